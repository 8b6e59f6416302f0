"""The cost categories funders report on, and how a budget line falls into one.

A budget line names its funder's category when the funder has its own; otherwise its
nature decides (missions are travel, fixed-term staff is personnel, and so on).
"""

from ledger.models import BudgetLine

Category = BudgetLine.FunderCategory
Nature = BudgetLine.Nature

# The order funders' statements list them in (subcontracting only when used).
ORDER: tuple[str, ...] = (
    Category.PERSONNEL,
    Category.TRAVEL,
    Category.EQUIPMENT,
    Category.OTHER_GOODS,
    Category.SUBCONTRACTING,
    Category.INDIRECT,
)
ALWAYS_SHOWN = frozenset(ORDER) - {Category.SUBCONTRACTING}

BY_NATURE: dict[str, str] = {
    Nature.MISSIONS: Category.TRAVEL,
    Nature.FIXED_TERM_STAFF: Category.PERSONNEL,
    Nature.EQUIPMENT: Category.EQUIPMENT,
    Nature.SUPPLIES: Category.OTHER_GOODS,
    Nature.SERVICES: Category.OTHER_GOODS,
    Nature.RECEPTIONS: Category.OTHER_GOODS,
    Nature.OTHER: Category.OTHER_GOODS,
}

NAMES: dict[str, dict[str, str]] = {
    "en": {
        Category.PERSONNEL: "Personnel",
        Category.TRAVEL: "Travel",
        Category.EQUIPMENT: "Equipment",
        Category.OTHER_GOODS: "Other goods and services",
        Category.SUBCONTRACTING: "Subcontracting",
        Category.INDIRECT: "Indirect costs",
    },
    "fr": {
        Category.PERSONNEL: "Personnel",
        Category.TRAVEL: "Déplacements",
        Category.EQUIPMENT: "Équipement",
        Category.OTHER_GOODS: "Autres biens et services",
        Category.SUBCONTRACTING: "Sous-traitance",
        Category.INDIRECT: "Coûts indirects",
    },
}


def category_of(funder_category: str, nature: str) -> str:
    """The funder's cost category of a budget line."""
    return funder_category or BY_NATURE.get(nature, Category.OTHER_GOODS)


def category_name(category: str, language: str) -> str:
    return NAMES[language][category]


def shown(used: set[str]) -> list[str]:
    """The categories a statement lists, in order: the usual five and any other used."""
    return [c for c in ORDER if c in ALWAYS_SHOWN or c in used]
