#!/usr/bin/env python3
"""Point-in-time aging in pandas: the reference `scripts/bench-aging` times
`arflow aging --format json` against.

It computes the same numbers with the same definitions as arflow
(shared/domain/src/ledger.rs `is_open_on` / `outstanding_on`, aging.rs), on
a ledger with canonical column names, and prints the same JSON shape:

- open on D: invoice_date <= D, status not void, and either settled after D
  (paid_date > D) or, without a paid_date, status open and not paid in full
  (|paid_amount| < |amount|, or amount 0);
- outstanding: the whole amount while a paid_date is still ahead, else
  amount - paid_amount (paid_amount defaults to the amount when a paid_date
  is given, else to 0);
- days past due = D - due_date; buckets current (<= 0), 1-30, 31-60, 61-90,
  91+ (configurable with --buckets); totals per currency, never summed
  across currencies; amounts exact in minor units.

Unlike arflow it validates nothing (no rejects file, no duplicate check):
it trusts the file, which the generated benchmark ledger deserves.

    bench_aging_pandas.py --ledger L.csv --as-of 2024-12-31 > pandas.json
    bench_aging_pandas.py --compare arflow.json pandas.json
"""

import argparse
import json
import sys

import numpy as np
import pandas as pd

# ISO 4217 minor-unit digits other than 2 (as in shared/domain/src/money.rs).
EXPONENT = {
    **{c: 0 for c in "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split()},
    **{c: 3 for c in "BHD IQD JOD KWD LYD OMR TND".split()},
    **{c: 4 for c in "CLF UYW".split()},
}

STATUS = {
    **{s: "open" for s in ["", "open", "unpaid", "outstanding", "partial", "partiallypaid"]},
    **{s: "paid" for s in ["paid", "closed", "settled"]},
    **{s: "void" for s in ["void", "voided", "cancelled", "canceled"]},
    **{s: "written_off" for s in ["writtenoff", "writeoff", "baddebt"]},
}


def normalise_status(raw):
    key = "".join(ch for ch in str(raw).lower() if ch.isascii() and ch.isalnum())
    return STATUS.get(key, "invalid")


def format_minor(minor, exp):
    sign = "-" if minor < 0 else ""
    whole, frac = divmod(abs(int(minor)), 10**exp)
    return f"{sign}{whole}.{frac:0{exp}d}" if exp else f"{sign}{whole}"


def bucket_labels(bounds):
    edges = [0, *bounds]
    return ["current"] + [f"{a + 1}-{b}" for a, b in zip(edges, edges[1:])] + [f"{edges[-1] + 1}+"]


def age(path, as_of, bounds, default_currency):
    df = pd.read_csv(
        path,
        usecols=["invoice_date", "due_date", "amount", "currency", "paid_amount", "paid_date", "status"],
        dtype={"currency": str, "status": str},
        keep_default_na=False,
        na_values={"amount": [""], "paid_amount": [""]},
    )
    day = pd.Timestamp(as_of)
    currency = df["currency"].str.strip().str.upper().replace("", default_currency)
    # Normalise each distinct value once, then map.
    status = df["status"].map({s: normalise_status(s) for s in df["status"].unique()})
    scale = 10.0 ** currency.map(lambda c: EXPONENT.get(c, 2)).to_numpy()
    amount = np.rint(df["amount"].to_numpy(dtype=float) * scale).astype(np.int64)
    paid_date = pd.to_datetime(df["paid_date"].replace("", None), format="%Y-%m-%d")
    has_paid_date = paid_date.notna().to_numpy()
    paid_raw = df["paid_amount"].to_numpy(dtype=float)
    paid = np.where(
        np.isnan(paid_raw),
        np.where(has_paid_date, amount, 0),
        np.rint(np.nan_to_num(paid_raw) * scale),
    ).astype(np.int64)
    invoice_date = pd.to_datetime(df["invoice_date"], format="%Y-%m-%d").to_numpy()
    due_date = pd.to_datetime(df["due_date"], format="%Y-%m-%d").to_numpy()
    status = status.to_numpy()

    unsettled = np.where(
        has_paid_date,
        (paid_date > day).to_numpy(),
        (status == "open") & ((amount == 0) | (np.abs(paid) < np.abs(amount))),
    )
    is_open = (invoice_date <= day.to_datetime64()) & (status != "void") & unsettled
    outstanding = np.where(has_paid_date, amount, amount - paid)
    days_past_due = (day.to_datetime64() - due_date).astype("timedelta64[D]").astype(np.int64)
    bucket = np.searchsorted(np.array([0, *bounds]), days_past_due, side="left")

    open_items = pd.DataFrame(
        {"currency": currency.to_numpy()[is_open], "bucket": bucket[is_open], "amount": outstanding[is_open]}
    )
    sums = open_items.groupby(["currency", "bucket"])["amount"].agg(["count", "sum"])
    labels = bucket_labels(bounds)
    currencies = []
    for code in sorted(open_items["currency"].unique()):
        exp = EXPONENT.get(code, 2)
        rows = sums.loc[code]
        buckets, total_n, total_amount = [], 0, 0
        for i, label in enumerate(labels):
            n, s = (int(rows.at[i, "count"]), int(rows.at[i, "sum"])) if i in rows.index else (0, 0)
            total_n, total_amount = total_n + n, total_amount + s
            buckets.append({"label": label, "invoices": n, "amount": format_minor(s, exp)})
        currencies.append(
            {
                "currency": code,
                "buckets": buckets,
                "total": {"invoices": total_n, "amount": format_minor(total_amount, exp)},
            }
        )
    return {"as_of": as_of, "currencies": currencies, "rejected": 0}


def compare(arflow_path, pandas_path):
    """Exit 1 unless both reports agree on every currency, bucket, count and
    amount (to the cent)."""
    with open(arflow_path) as f:
        ours = json.load(f)
    with open(pandas_path) as f:
        theirs = json.load(f)

    def shape(report):
        return [
            (c["currency"], [(b["label"], b["invoices"], b["amount"]) for b in c["buckets"]],
             (c["total"]["invoices"], c["total"]["amount"]))
            for c in report["currencies"]
        ]

    if ours.get("as_of") != theirs.get("as_of") or shape(ours) != shape(theirs):
        print("MISMATCH between arflow and pandas aging:", file=sys.stderr)
        print("arflow:", json.dumps(shape(ours)), file=sys.stderr)
        print("pandas:", json.dumps(shape(theirs)), file=sys.stderr)
        return 1
    if ours.get("rejected", 0) != 0:
        print(f"arflow rejected {ours['rejected']} rows; the benchmark ledger should have none", file=sys.stderr)
        return 1
    n = sum(c["total"]["invoices"] for c in ours["currencies"])
    print(f"agree: {len(ours['currencies'])} currencies, {n} open items, every bucket equal to the cent")
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ledger")
    p.add_argument("--as-of")
    p.add_argument("--buckets", default="30,60,90")
    p.add_argument("--currency", default="USD", help="currency of rows without one")
    p.add_argument("--compare", nargs=2, metavar=("ARFLOW_JSON", "PANDAS_JSON"))
    a = p.parse_args()
    if a.compare:
        return compare(*a.compare)
    if not a.ledger or not a.as_of:
        p.error("--ledger and --as-of are required")
    bounds = [int(b) for b in a.buckets.split(",")]
    json.dump(age(a.ledger, a.as_of, bounds, a.currency.upper()), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
