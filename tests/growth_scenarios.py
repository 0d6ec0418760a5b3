"""A small park for the growth tests: one building, one operator hiring French and English speakers, two
contracts (one billed by the hour, one by the contact), a year from 2027-01."""

from __future__ import annotations

SMALL_PARK = """
[park]
name = "small park"
start = "2027-01"
months = 12

[link]
capacity = "1G"

[[buildings]]
name = "Tower"
seat_use = 0.9
phases = [
  { name = "P1", seats = 40, opening = "2027-01" },
  { name = "P2", seats = 40, m2_per_seat = 6.0, opening = "2027-09" },
]

[[operators]]
name = "Op"
building = "Tower"

[[operators.languages]]
language = "fr"
agents_now = 20
salary_per_month = 8000
attrition_monthly = 0.04
lead_months = 1
class_min = 5
class_max = 15
training_weeks = 4
trainers = 1
hire_cost = 3000
class_cost = 20000

[[operators.languages]]
language = "en"
agents_now = 0
salary_per_month = 9000
lead_months = 2
class_min = 4
class_max = 12
training_weeks = 3
trainers = 1

[[contracts]]
client = "Bank"
operator = "Op"
sector = "banking"
country = "FR"
time_zone = "Europe/Paris"
penalty_per_point = 5000
bonus_per_point = 2000
bonus_cap_points = 3
billing = "hour"
price = 150

[[contracts.queues]]
name = "bank-fr"
language = "fr"
start = "2027-01"
contacts_per_month = 20000
ramp_months = 0
trend_yearly = 0.1
aht_s = 300

[[contracts]]
client = "Telco"
operator = "Op"
sector = "telecom"
country = "GB"
time_zone = "Europe/London"
target_s = 30
service_level = 0.75
penalty_per_point = 3000
billing = "contact"
price = 12

[[contracts.queues]]
name = "telco-en"
language = "en"
start = "2027-02"
contacts_per_month = 15000
ramp_months = 2
aht_s = 360

[[contracts.queues]]
name = "telco-fr"
language = "fr"
start = "2027-05"
contacts_per_month = 5000
aht_s = 360
open_days = ["mon", "tue", "wed", "thu", "fri", "sat"]
"""
