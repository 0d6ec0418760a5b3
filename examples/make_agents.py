"""Writes examples/agents.csv: 200 agents of a French-banking team in Casablanca for the bundled week (seeded).

Contracts: Morocco's 44-hour legal week for most, 40 h, and 30 or 24 h part-timers; about one in five does not
work nights; part-timers often have a fixed day off; some have a day of leave; half prefer a start time.
Run: python examples/make_agents.py
"""

import csv
import random
from collections import Counter
from pathlib import Path

rng = random.Random(17)
first = ["Youssef","Fatima-Zahra","Mohamed","Salma","Hamza","Khadija","Amine","Imane","Omar","Soukaina","Mehdi",
         "Meryem","Ayoub","Hajar","Anas","Zineb","Ilyas","Nour","Karim","Sara","Othmane","Chaimae","Reda","Ghita",
         "Adil","Kawtar","Yassine","Houda","Zakaria","Asmae","Hicham","Nadia","Said","Loubna","Rachid","Btissam",
         "Tarik","Wiam","Badr","Siham","Ismail","Oumaima","Nabil","Ikram","Walid","Hanae","Jamal","Rim","Simo","Dounia"]
last = ["Alaoui","Benjelloun","El Idrissi","Bennani","Tazi","Berrada","Cherkaoui","El Fassi","Lahlou","Sqalli",
        "Ouazzani","Chraibi","Amrani","Bouzidi","El Mansouri","Naciri","Kettani","Filali","Belkadi","Zahraoui",
        "Haddad","Ziani","El Khattabi","Benali","Skalli","Rami","Lamrani","Mernissi","Ait Lahcen","Oufkir"]
names = set()
rows = []
while len(rows) < 200:
    name = f"{rng.choice(first)} {rng.choice(last)}"
    if name in names:
        continue
    names.add(name)
    r = rng.random()
    # contracts: Morocco's 44-hour legal week for most, 40 h, and part-timers (students, parents)
    hours = 44 if r < 0.55 else 40 if r < 0.70 else 30 if r < 0.85 else 24
    night = "no" if rng.random() < 0.2 else "yes"
    unavailable = []
    u = rng.random()
    if hours <= 30 and u < 0.5:
        unavailable.append(rng.choice(["sat", "sun"]))          # part-timers' fixed day off
    elif u < 0.12:
        unavailable.append("fri")                                # Friday afternoons with family: the whole day
    if rng.random() < 0.15:                                      # a day of leave in the first weeks
        unavailable.append(f"2026-01-{rng.choice([6, 7, 8, 12, 13, 15, 16, 19, 20, 21, 22, 26, 27]):02d}")
    p = rng.random()
    mornings, afternoons = ["07:00", "08:00", "09:00"], ["13:00", "14:00", "15:00"]
    preferred = "" if p < 0.5 else rng.choice(mornings) if p < 0.8 else rng.choice(afternoons)
    rows.append({"agent": name, "skills": "fr-banking", "weekly_hours": hours, "night_work": night,
                 "unavailable": ";".join(unavailable), "preferred_start": preferred})
with open(Path(__file__).with_name("agents.csv"), "w", newline="") as f:
    w = csv.DictWriter(f, ["agent", "skills", "weekly_hours", "night_work", "unavailable", "preferred_start"])
    w.writeheader()
    w.writerows(rows)
print("contracts:", dict(Counter(r["weekly_hours"] for r in rows)),
      "nights:", dict(Counter(r["night_work"] for r in rows)), "hours a week:", sum(r["weekly_hours"] for r in rows))
