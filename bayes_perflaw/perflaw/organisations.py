"""Organisation names: one name per developer, matched case- and punctuation-blind through an alias table.

The organisation effect (variant ``era_org``) pools models by this name, and the builder of the reference table
writes it, so "Alibaba Qwen", "Qwen" and "Alibaba (Qwen)" are one organisation, and "Allen AI", "AI2" and
"Allen Institute for AI (Ai2)" another. A name not in the table is kept as written.
"""

from __future__ import annotations

import re

CANONICAL = {  # canonical name -> other names seen in sources or likely from users
    "Alibaba (Qwen)": ("Alibaba Qwen", "Qwen", "Alibaba", "Qwen team", "Alibaba Cloud"),
    "Allen Institute for AI (Ai2)": ("Allen AI", "AllenAI", "AI2", "Ai2", "Allen Institute for AI"),
    "TII": ("TII (Technology Innovation Institute)", "Technology Innovation Institute", "tiiuae"),
    "DeepSeek": ("DeepSeek-AI", "DeepSeek AI", "deepseek-ai"),
    "Kunlun (Skywork)": ("Skywork (Kunlun Inc.)", "Skywork", "Kunlun"),
    "Meta": ("Meta AI", "Facebook", "meta-llama", "Meta FAIR"),
    "Mistral AI": ("Mistral", "mistralai"),
    "Google DeepMind": ("GDM",),
    "01.AI": ("01-ai", "01 AI"),
    "Hugging Face": ("HuggingFace", "HuggingFaceTB"),
}


def key(name: object) -> str:
    """Lower case without spaces or punctuation."""
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


_BY_KEY = {key(alias): canonical for canonical, aliases in CANONICAL.items() for alias in (canonical, *aliases)}


def canonical(name: object) -> str:
    """The one name of a developer (the name as written, stripped, when it is not in the alias table)."""
    text = "" if name is None or name != name else str(name).strip()  # None and NaN: no organisation
    return _BY_KEY.get(key(text), text)
