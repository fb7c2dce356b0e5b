"""Which licences a training run accepts: the `license` of each mix entry in train/data_mix.yaml, filtered.

The paper's first data requirement (section 5) is "open licenses, and not just research-only, vision-language
datasets". So "open" here means a licence that lets anyone use, share and build on the data for any purpose,
commercial use included: the permissive data and code licences, and the share-alike ones (CC-BY-SA asks that what
is shared stays under the same terms; it restricts no use). Left out, whatever the data: non-commercial (CC-BY-NC*),
research-only terms, `unknown` (the card states no licence, or defers to sub-datasets it does not name) and `to be
decided` (our own pt-PT sets, not published yet). A card's extra terms (LLaVA-Instruct-150K's "abide by the policy
of OpenAI") are recorded in data_mix.yaml beside the entry; they do not change the licence id.

    usable_entries("stage2", licenses="open")    # drops what is not open, with a warning naming each entry
"""

import logging


logger = logging.getLogger(__name__)

# SPDX ids (lower case, as the Hub's card metadata writes them).
OPEN_LICENSES = frozenset(
    {
        "apache-2.0",
        "mit",
        "cc0-1.0",
        "cc-by-2.0",
        "cc-by-4.0",
        "cc-by-sa-4.0",
        "odc-by",
        "cdla-permissive-2.0",
    }
)
# Names of a selection that are not a licence id themselves.
SELECTIONS = {"open": OPEN_LICENSES}


def accepted_licenses(licenses: str | None) -> frozenset[str] | None:
    """The licence ids `licenses` names: None or "all" accepts every entry (returns None), "open" the set above,
    anything else is a comma-separated list of ids ("cc-by-4.0,mit")."""
    if licenses is None or licenses == "all":
        return None
    if licenses in SELECTIONS:
        return SELECTIONS[licenses]
    return frozenset(part.strip().lower() for part in licenses.split(",") if part.strip())


def is_accepted(entry: dict, accepted: frozenset[str] | None) -> bool:
    return accepted is None or str(entry.get("license", "unknown")).lower() in accepted


def select_licenses(entries: list[dict], licenses: str | None, mix: str = "") -> list[dict]:
    """The entries whose `license` `licenses` accepts; the others are dropped with a warning naming them."""
    accepted = accepted_licenses(licenses)
    kept = [entry for entry in entries if is_accepted(entry, accepted)]
    dropped = [f"{entry['name']} ({entry.get('license', 'unknown')})" for entry in entries if entry not in kept]
    if dropped:
        logger.warning(f"Mix {mix!r} with --licenses {licenses}: left out {', '.join(dropped)}.")
    return kept
