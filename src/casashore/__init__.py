"""casashore: plan and run offshore contact centres, from the cable to the seat."""

__version__ = "0.1.0"
