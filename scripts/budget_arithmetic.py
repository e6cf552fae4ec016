#!/usr/bin/env python3
"""The guessing budget's arithmetic (docs/security.md, "Guessing budget"): simulates the best attacker against one
user who never completes a recovery, with the same rules as GuessBudgetState in Sources/LifelineCore.

usage: scripts/budget_arithmetic.py [free forgive_days pause_base_s pause_max_days]
Prints the wrong answers an attacker gets in a year and the odds of guessing a 6-digit authenticator code
(3 codes accepted per guess: the ±1 step window) and a 6-digit SMS code (1 code) with them, and the cost of keeping
the user's anonymous budget paused for a day.
"""
import sys

def simulate(free, forgive, base, pmax, horizon):
    t, failures, decay_from, paused_until, guesses = 0.0, 0, 0.0, 0.0, 0
    first_day_pause = None
    while t < horizon:
        if failures > 0:  # forgiveness: one counted failure per `forgive` seconds
            k = int((t - decay_from) // forgive)
            if k >= failures: failures, decay_from = 0, t
            else: failures, decay_from = failures - k, decay_from + k * forgive
        else:
            decay_from = t
        if t < paused_until:
            t = paused_until
            continue
        failures += 1
        guesses += 1
        if failures >= free:
            pause = min(base * 2 ** min(failures - free, 40), pmax)
            paused_until = t + pause
            if first_day_pause is None and pause >= 86400: first_day_pause = (guesses, t)
    return guesses, first_day_pause

def main():
    a = [float(x) for x in sys.argv[1:]] or [5, 30, 300, 30]
    free, forgive, base, pmax = int(a[0]), a[1] * 86400, a[2], a[3] * 86400
    year = 365 * 86400
    g, first = simulate(free, forgive, base, pmax, year)
    print(f"policy: free={free} forgive_every={a[1]:g}d pause_base={base:g}s pause_max={a[3]:g}d")
    print(f"wrong answers an attacker gets in a year: {g}")
    print(f"P(guess a 6-digit authenticator code, 3 accepted per try) = {g * 3e-6:.2e}")
    print(f"P(guess a 6-digit SMS/email code) = {g * 1e-6:.2e}   8-digit: {g * 1e-8:.2e}")
    if first:
        print(f"first pause of a day or more: after {first[0]} wrong answers, {first[1] / 3600:.1f} h into the attack")

main()
