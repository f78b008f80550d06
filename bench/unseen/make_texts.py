"""How the texts beside this script were picked: 12 excerpts (25-30 lines, wrapped at 65
characters, ASCII) of the period corpus, none from a document the dev pages use. Deterministic:
fixed choices and a seeded RNG.

    .venv/bin/python bench/unseen/make_texts.py [OUT_DIR]   # default: this folder
"""
import gzip, re, random, sys, textwrap, unicodedata
from pathlib import Path

C = Path(__file__).resolve().parents[3] / "shared" / "corpus"
OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
OUT.mkdir(parents=True, exist_ok=True)
EXCLUDE = {"GIN_46_1991","LBR_43_1988","NOR_35_1980","SDN_38_1983","SWZ_44_1989","TZA_46_1991"}
MAP = {"\u2018":"'","\u2019":"'","\u201c":'"',"\u201d":'"',"\u2014":"--","\u2013":"-","\u2026":"...",
       "\u00a0":" ","\u00ad":"","\u2022":"-","\u00b0":" degrees"}

# Obvious OCR slips in the upstream text, fixed so that the ground truth reads as typed.
FIXES = [("In tilth respect", "In this respect"), ("[AII0217 and Corr.l]", "[A/10217 and Corr.1]"),
         ("Cong< peaks", "Congo speaks"), ("Santiago Decoration", "Santiago Declaration"),
         ("development/ crime", "development, crime"), ("Affairs and worship", "Affairs and Worship"),
         ("communique'", "communique"), ("200.000 hectares of forest. 8.000 water arteries. 6 million cattle.114",
          "200,000 hectares of forest, 8,000 water arteries, 6 million cattle, 114"),
         ("centers. 2.700 kilometers", "centers, 2,700 kilometers"), (" ( NST )", " (NST)"), (" ;", ";")]

def ascii(s):
    for a, b in FIXES:
        s = s.replace(a, b)
    s = "".join(MAP.get(ch, ch) for ch in s)
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    s = s.replace("\t", " ")
    return re.sub(r"[ ]+", " ", s).strip()

def speeches(year):
    cur, buf = None, []
    with gzip.open(C/f"ungdc_1975_1992/{year}.txt.gz", "rt", encoding="utf-8") as f:
        for line in f:
            if line.startswith("### "):
                if cur: yield cur, buf
                cur, buf = line[4:].strip(), []
            elif line.strip():
                buf.append(line.strip())
    if cur: yield cur, buf

ACR = re.compile(r"\b[A-Z]{2,}\b|\d")
def richness(lines):
    t = " ".join(lines)
    return len(ACR.findall(t)) + 2*len(re.findall(r"\b(Mr|Mrs|Dr|General|President|Minister)\.? [A-Z][a-z]+", t))

def wrap_paras(paras):
    out = []
    for p in paras:
        out += textwrap.wrap(ascii(p), 65, break_long_words=True, break_on_hyphens=False)
    return out

def best_window(paras, rng):
    """Start at a paragraph boundary; take 25-30 lines; choose the richest window."""
    cands = []
    for i in range(len(paras)):
        lines = wrap_paras(paras[i:i+12])
        n = rng.randint(25, 30)
        if len(lines) >= n:
            cands.append((richness(lines[:n]), i, lines[:n]))
    cands.sort(key=lambda c: -c[0])
    return cands[0][2] if cands else None

rng = random.Random(20240611)
pages = {}
# UN General Debate: one speech per year, chosen at random among the richest in numbers/acronyms.
for year in (1975, 1977, 1979, 1982, 1985, 1987, 1990, 1992):
    sp = [(k, v) for k, v in speeches(year) if k not in EXCLUDE and len(v) > 15]
    sp.sort(key=lambda kv: -richness(kv[1]) / max(1, len(" ".join(kv[1]))) )
    lines = None
    while lines is None:
        key, paras = rng.choice(sp[:25])
        lines = best_window(paras, rng)
    pages[f"ungd_{key}"] = lines
# HistoryAtState: two FRUS Reykjavik passages (telegrams with reference codes), visits, travels.
rk = [l.strip() for l in (C/"hsg/frus_rk40_text.txt").read_text(encoding="utf-8").splitlines() if l.strip()]
starts = [i for i, l in enumerate(rk) if l.startswith("Telegram From") and i + 1 < len(rk)
          and re.search(r"\d{4,}|S/S|Ref", rk[i+1])]
for i in sorted(rng.sample(starts, 2)):
    lines = wrap_paras(rk[i:i+8])
    pages[f"hsg_rk40_p{i:03d}"] = lines[: rng.randint(25, 30)]
for fname, tag in (("visits_1975_1992.txt", "visits"), ("travels_1975_1992.txt", "travels")):
    rows = [l.strip() for l in (C/"hsg"/fname).read_text(encoding="utf-8").splitlines() if l.strip()]
    start = rng.randrange(0, len(rows) - 40)
    lines = wrap_paras(rows[start:start+40])
    pages[f"hsg_{tag}_{start:03d}"] = lines[: rng.randint(25, 30)]

for name, lines in pages.items():
    assert 25 <= len(lines) <= 30 and all(len(l) <= 65 and l.isascii() for l in lines), name
    (OUT/f"{name}.gt.txt").write_text("\n".join(lines) + "\n", encoding="ascii")
    print(name, len(lines))
