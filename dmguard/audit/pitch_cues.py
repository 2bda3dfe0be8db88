"""How a firm pitches itself to a stranger in other languages than English.

"We help companies like yours" is the value proposition every sales sequence opens with;
these are its wordings in Spanish, Portuguese, French, German, Italian, Indonesian and
Turkish. Shared by the judge's pitch shape (``s:pitch``) and the cold-pitch rule,
so that the two read the same idea the same way. Each branch opens with a letter (what the
judge's word-start scan needs) and may hold regex syntax.
"""

from __future__ import annotations

FIRM_HELPS_ABROAD = (
    r"ayudamos a (?:empresas|negocios|marcas|equipos|profesionales)\b",
    r"empresas como la (?:tuya|suya)\b",
    r"ajudamos (?:empresas|negócios|marcas|profissionais)\b", r"empresas como a (?:sua|tua)\b",
    r"nous aidons (?:les )?(?:entreprises|marques|pme|sociétés|professionnels)\b",
    r"entreprises comme la vôtre\b",
    r"wir (?:unterstützen|helfen) (?:\w+ )?(?:unternehmen|firmen|marken|betrieben?|praxen)\b",
    r"unternehmen wie (?:ihres|ihrem|deins|deinem)\b",
    r"aiutiamo (?:le )?(?:aziende|imprese|attività|marchi|professionisti)\b",
    r"aziende come la (?:tua|sua|vostra)\b",
    r"kami membantu (?:bisnis|perusahaan|brand|umkm)\b",
    # "yardımcı" with the dotless ı, or with an i where a keyboard has none
    r"işletmelere yard[ıi]mc[ıi] oluyoruz", r"şirketlere yard[ıi]mc[ıi] oluyoruz",
)
"""'We help businesses', 'businesses like yours'."""
