"""The messages the web pages ask to translate, found the way makemessages finds them.

Where GNU gettext is absent `makemessages` cannot run (test_catalogue.py then skips);
this check needs none: the templates are parsed with Django's own template engine
(every {% translate %} and {% blocktranslate %}) and our Python files with `ast`
(every gettext call), and the French catalog is checked against what they ask for.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.template import engines
from django.template.base import Node
from django.templatetags.i18n import BlockTranslateNode, TranslateNode
from django.utils import translation

from irls.models import Role
from ledger.models import BudgetLine, Commitment

ROOT = Path(settings.BASE_DIR)
TEMPLATE_DIR = ROOT / "templates"
APP_TEMPLATE_DIRS = [ROOT / "reports" / "templates"]
PYTHON_FILES = [
    ROOT / "reports" / "forms.py",
    ROOT / "ledger" / "views_home.py",
    ROOT / "ledger" / "views_imports.py",
    ROOT / "ledger" / "services" / "import_batches.py",
    ROOT / "irls" / "templatetags" / "shell.py",
    ROOT / "ledger" / "views.py",
    ROOT / "ledger" / "views_closing.py",
    ROOT / "ledger" / "views_documents.py",
    ROOT / "ledger" / "services" / "documents.py",
    ROOT / "ledger" / "services" / "years.py",
    ROOT / "ledger" / "templatetags" / "ledger_format.py",
    ROOT / "ledger" / "templatetags" / "budget_figures.py",
    ROOT / "ledger" / "audit" / "forms.py",
    ROOT / "ledger" / "audit" / "views.py",
    ROOT / "ledger" / "audit" / "export.py",
    ROOT / "ledger" / "audit" / "readable.py",
    ROOT / "irls" / "login.py",
    ROOT / "irls" / "admin_base.py",
    ROOT / "irls" / "views_people.py",
    ROOT / "irls" / "services.py",
    ROOT / "irls" / "exceptions.py",
]
GETTEXT_NAMES = {"_", "gettext", "gettext_lazy", "pgettext", "pgettext_lazy"}

Message = tuple[str | None, str]  # (context, msgid)


def _literal(node: Node) -> str | None:
    context = getattr(node, "message_context", None)
    return None if context is None else str(context.var)


def template_messages(path: Path) -> Iterator[Message]:
    template = engines["django"].from_string(path.read_text()).template  # type: ignore[attr-defined]
    for node in template.nodelist.get_nodes_by_type(TranslateNode):
        if not node.noop:
            # The tag looks its literal up with percent signs doubled (Variable.resolve).
            yield _literal(node), str(node.filter_expression.var.literal).replace("%", "%%")
    for node in template.nodelist.get_nodes_by_type(BlockTranslateNode):
        yield _literal(node), node.render_token_list(node.singular)[0]


def python_messages(path: Path) -> Iterator[Message]:
    for call in ast.walk(ast.parse(path.read_text())):
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)):
            continue
        if call.func.id not in GETTEXT_NAMES:
            continue
        args = [a.value for a in call.args if isinstance(a, ast.Constant)]
        if call.func.id.startswith("pgettext"):
            yield str(args[0]), str(args[1])
        else:
            yield None, str(args[0])


def model_messages() -> Iterator[Message]:
    """Choice labels of other apps that the budget and People pages show."""
    with translation.override(None):
        for choices in (BudgetLine.Envelope, BudgetLine.Nature, Commitment.Kind, Role):
            for label in choices.labels:
                yield None, str(label)


def page_messages() -> set[Message]:
    found: set[Message] = set()
    for folder in (TEMPLATE_DIR, *APP_TEMPLATE_DIRS):
        for template in sorted(folder.rglob("*.html")):
            found.update(template_messages(template))
    for source in PYTHON_FILES:
        found.update(python_messages(source))
    found.update(model_messages())
    return found
