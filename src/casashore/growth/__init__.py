"""Growth: a park's contracts over 12-36 months, the FTE they need, the hiring plan that staffs them, the seats
they take and what each contract earns (docs/growth.md)."""
