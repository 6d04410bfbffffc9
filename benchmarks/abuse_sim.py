"""Platform-abuse simulation: benign traffic with five injected abuse patterns, replayed through the
real server (create_app + install_abuse, in process) on a simulated clock.

Patterns (each starts after a warm-up in which baselines form):
  spam-burst       one new key sends ~10 requests/s of near-identical (unflagged) spam for 2 minutes
  minors-trickle   an established account slips one sexual/minors text in every 2 minutes
  probing          one account sends variants of a violent threat, some obfuscated below the threshold
  campaign         12 fresh accounts post near-duplicate hateful slogans over 6 minutes
  slow-rise        8 established accounts' self-harm content rises from 0% to 60% over 10 minutes

An alert is a true positive when every account it names belongs to one pattern, or when it is a global
mix-drift alert on a pattern's category after that pattern started (the campaign raises the share of
hate, probing that of violence...). Benign text is built from a generated 3000-word lexicon with a
Zipf-like mix of function words, so no dataset is needed; ~0-5% of each benign account's requests
carry mild flagged words (insults, threats) as background noise. Per pattern we report detected,
time to detect (simulated seconds from the pattern's start to its first true-positive alert) and the
precision of all alerts. Targets: every pattern within 300 simulated seconds, precision >= 0.9.

    python benchmarks/abuse_sim.py [--benign 40] [--warmup 10] [--minutes 20] [--seed 7] [--rules FILE (default: the shipped rules)]
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from fastapi.testclient import TestClient

from flagstone.abuse.http import install_abuse
from flagstone.abuse.rules import load_rules, load_shipped_rules
from flagstone.models.fakes import KeywordModel
from flagstone.serving.app import create_app
from flagstone.settings import Settings

KEYWORDS = {
    "harassment": ["idiot", "loser"], "violence": ["hurt", "stab"], "hate": ["vermin"],
    "sexual/minors": ["minorword"], "self-harm": ["cutting myself"], "illicit": ["counterfeit"],
}
FUNCTION_WORDS = "the a to of and in is it you that for on with my this was are we at be".split()
LETTERS = "etaoinshrdlcumwfgypbvkjxqz"
LETTER_WEIGHTS = [12.7, 9.1, 8.2, 7.5, 7.0, 6.7, 6.3, 6.1, 6.0, 4.3, 4.0, 2.8, 2.8, 2.4, 2.4, 2.2, 2.0, 2.0,
                  1.9, 1.5, 1.0, 0.8, 0.15, 0.15, 0.1, 0.07]


def lexicon(rng: random.Random, n: int = 5000) -> list[str]:
    """Pseudo-words with English letter frequencies: a vocabulary as varied as real text, no dataset."""
    words = sorted({"".join(rng.choices(LETTERS, LETTER_WEIGHTS, k=rng.randint(3, 9))) for _ in range(n)})
    rng.shuffle(words)  # rank (hence frequency) unrelated to spelling
    return words


WORDS: list[str] = []
_CUM: list[float] = []


class SimClock:
    def __init__(self) -> None:
        self.t = 1_750_000_000.0

    def __call__(self) -> float:
        return self.t


@dataclass(order=True)
class Event:
    t: float
    account: str = field(compare=False)
    text: str = field(compare=False)


@dataclass
class Pattern:
    name: str
    start: float
    accounts: set[str]
    category: str | None = None  # for global drift alerts


def sentence(rng: random.Random, n: tuple[int, int] = (8, 16)) -> str:
    # Zipf's law over function words then the lexicon: word of rank r has weight 1 / r.
    vocab = FUNCTION_WORDS + WORDS
    if len(_CUM) != len(vocab):
        _CUM[:] = list(itertools.accumulate(1.0 / (r + 1) for r in range(len(vocab))))
    return " ".join(rng.choices(vocab, cum_weights=_CUM, k=rng.randint(*n)))


def benign_events(rng: random.Random, n: int, t0: float, end: float) -> list[Event]:
    out = []
    for i in range(n):
        heavy = i < max(1, n // 10)  # a tenth are heavy users (1 request/2 s), the rest ~1 every 10 s
        gap = 2.0 if heavy else 10.0
        noise = rng.uniform(0.0, 0.05)  # each account's own rate of mildly flagged text
        t = t0 + rng.uniform(0, gap)
        while t < end:
            text = sentence(rng)
            if rng.random() < noise:
                text += f" you {rng.choice(['idiot', 'loser'])}" if rng.random() < 0.7 else " i will hurt him"
            out.append(Event(t, f"user{i:03d}", text))
            t += rng.expovariate(1.0 / gap)
    return out


def inject(rng: random.Random, start: float, minutes: float) -> tuple[list[Event], list[Pattern]]:
    ev: list[Event] = []
    pats = []
    # 1. spam burst: a new key, ~10 requests/s for 2 minutes.
    s = start
    pats.append(Pattern("spam-burst", s, {"spam01"}))
    t = s
    while t < s + 120:
        ev.append(Event(t, "spam01", f"buy cheap followers now at best-followers dot shop code {rng.randint(0, 99)}"))
        t += rng.expovariate(10.0)
    # 2. trickle of sexual/minors from an established account (also sends normal traffic below).
    s = start + 180
    pats.append(Pattern("minors-trickle", s, {"trickle01"}, category="sexual/minors"))
    for k in range(int((minutes * 60 - 180) // 120)):
        ev.append(Event(s + 120 * k + rng.uniform(0, 5), "trickle01", f"{sentence(rng, (4, 8))} minorword"))
    # 3. threshold probing: variants of one threat, some obfuscated past the keyword.
    s = start + 360
    pats.append(Pattern("probing", s, {"prober01"}, category="violence"))
    base = "tell me exactly how i could {w} the guard at the north gate tonight without being seen"
    for k in range(40):
        w = rng.choice(["hurt", "stab"]) if k % 2 == 0 else rng.choice(["hurrt", "h-u-r-t", "st4bb", "harm"])
        ev.append(Event(s + 10 * k, "prober01", base.format(w=w) + rng.choice(["", "?", " please", " now"])))
    # 4. coordinated campaign: 12 fresh accounts, near-duplicate hateful slogans.
    s = start + 540
    accounts = {f"camp{i:02d}" for i in range(12)}
    pats.append(Pattern("campaign", s, accounts, category="hate"))
    slogan = "those people are vermin and they must be driven out of our town before the vote"
    for i, a in enumerate(sorted(accounts)):
        for k in range(3):
            ev.append(Event(s + i * 30 + k * 40 + rng.uniform(0, 10), a,
                            slogan + rng.choice(["", "!", " share this", " spread the word", "!!"])))
    # 5. slow rise of self-harm among 8 established accounts, 0% -> 60% over 10 minutes.
    s = start + 720
    rise = {f"riser{i}" for i in range(8)}
    pats.append(Pattern("slow-rise", s, rise, category="self-harm"))
    for a in sorted(rise):
        t = start - 600 + rng.uniform(0, 3)  # normal traffic from well before the rise
        while t < start + minutes * 60:
            p = min(0.6, max(0.0, (t - s) / 600 * 0.6))
            text = sentence(rng)
            if rng.random() < p:
                text = f"{sentence(rng, (3, 6))} i keep cutting myself {sentence(rng, (2, 5))}"
            ev.append(Event(t, a, text))
            t += rng.expovariate(1 / 4.0)
    # trickle01 also sends ordinary traffic from well before (an established account).
    t = start - 600
    while t < start + minutes * 60:
        ev.append(Event(t, "trickle01", sentence(rng)))
        t += rng.expovariate(1 / 8.0)
    return ev, pats


def classify(alert, patterns: list[Pattern]) -> str | None:
    for p in patterns:
        if alert.accounts and set(alert.accounts) <= p.accounts:
            return p.name
        if not alert.accounts and p.category and alert.category == p.category and alert.ts >= p.start:
            return p.name
    return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--benign", type=int, default=40, help="benign accounts")
    ap.add_argument("--warmup", type=float, default=10.0, help="simulated minutes before the first pattern")
    ap.add_argument("--minutes", type=float, default=20.0, help="simulated minutes after the warm-up")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--rules", default=None, help="rule file (default: the rules shipped in the package)")
    args = ap.parse_args(argv)

    rng = random.Random(args.seed)
    WORDS[:] = lexicon(rng)
    clock = SimClock()
    t0 = clock.t
    start = t0 + args.warmup * 60
    end = start + args.minutes * 60
    events = benign_events(rng, args.benign, t0, end)
    abuse, patterns = inject(rng, start, args.minutes)
    events = sorted(e for e in events + abuse if e.t < end)

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), model_dir=Path(tmp) / "none", auth_enabled=True,
                            batch_max_wait_ms=0.0, rate_limit_burst=100_000, rate_limit_per_second=10_000)
        app = create_app(settings, model=KeywordModel(KEYWORDS, name="sim-keyword"))
        services = install_abuse(app, settings, clock=clock, rules=load_rules(args.rules) if args.rules else load_shipped_rules())
        keys = {a: services.keys.create(a)[0] for a in sorted({e.account for e in events})}
        wall = time.perf_counter()
        with TestClient(app) as client:
            for e in events:
                clock.t = e.t
                r = client.post("/v1/moderations", json={"input": e.text},
                                headers={"Authorization": f"Bearer {keys[e.account]}"})
                if r.status_code != 200:
                    print(f"unexpected {r.status_code}: {r.text}", file=sys.stderr)
                    return 1
            services.writer.flush()
            wall = time.perf_counter() - wall
            alerts = list(services.monitor.alerts)
            incidents = services.incidents.list()

    tp_by_pattern: dict[str, list] = defaultdict(list)
    fp = []
    per_rule: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for a in alerts:
        who = classify(a, patterns)
        per_rule[a.rule][0 if who else 1] += 1
        (tp_by_pattern[who] if who else fp).append(a)
    precision = (len(alerts) - len(fp)) / len(alerts) if alerts else 0.0

    print(f"# Abuse simulation (seed {args.seed}): {len(events)} requests over "
          f"{(end - t0) / 60:.0f} simulated minutes ({args.warmup:.0f} warm-up), {args.benign} benign accounts; "
          f"replayed through the server in {wall:.1f} s wall ({len(events) / wall:.0f} req/s)\n")
    print("| pattern | detected | time to detect (sim s) | first alert by | TP alerts |")
    print("|---|---|---|---|---|")
    ok = True
    for p in patterns:
        hits = sorted(tp_by_pattern.get(p.name, []), key=lambda a: a.ts)
        if hits:
            ttd = hits[0].ts - p.start
            ok &= ttd <= 300
            print(f"| {p.name} | yes | {ttd:.0f} | {hits[0].rule} | {len(hits)} |")
        else:
            ok = False
            print(f"| {p.name} | **no** | - | - | 0 |")
    print(f"\nAlerts: {len(alerts)}, true positives {len(alerts) - len(fp)}, false positives {len(fp)}, "
          f"precision {precision:.3f}; incidents opened: {len(incidents)}\n")
    print("| rule | TP | FP |")
    print("|---|---|---|")
    for rule, (tp, f) in sorted(per_rule.items()):
        print(f"| {rule} | {tp} | {f} |")
    for a in fp[:10]:
        print(f"FP: {a.rule} {a.subject} {a.message}")
    ok &= precision >= 0.9
    print(f"\nTargets (all detected within 300 s, precision >= 0.9): {'MET' if ok else 'NOT MET'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
