"""axe-core in the browser tests: run the accessibility engine on the page a test shows and
fail on every serious or critical violation (moderate and minor ones are not failures).

axe-core is vendored from the npm registry under tests/browser_vendor/axe-core/ (see its
README: version, sha256, how to update); nothing is fetched at run time. The pages'
Content-Security-Policy allows no inline script, so the engine is evaluated through the
browser's devtools protocol (`page.evaluate`), which the policy does not govern, rather
than added as a <script> tag; the page's own policy stays on, as a user has it.
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

AXE_JS = Path(__file__).resolve().parent.parent / "browser_vendor" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")
TARGETS_SHOWN = 3


@dataclass(frozen=True)
class KnownViolation:
    """A violation accepted where the markup is not ours to fix (the Django admin's own
    templates): the rule, a piece of the CSS selector of every node it may hit, and why.
    Narrow on purpose: a node of the same rule elsewhere still fails."""

    rule: str
    target_contains: str
    why: str

    def covers(self, rule: str, target: str) -> bool:
        return rule == self.rule and self.target_contains in target


@cache
def _axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe's violations on the page as it is now (every impact), injected if need be."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Wrapped in a function so that the minified file runs as a script body.
        page.evaluate(f"() => {{ {_axe_source()}\n}}")
    result = page.evaluate(
        "() => axe.run(document, {resultTypes: ['violations']})"
        ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " helpUrl: v.helpUrl, targets: v.nodes.map(n => n.target.join(' ')),"
        " summaries: v.nodes.map(n => n.failureSummary || '')})))"
    )
    return list(result)


def serious_violations(page: Any, known: tuple[KnownViolation, ...] = ()) -> list[dict[str, Any]]:
    """The serious and critical violations, less the nodes a known exception covers."""
    found = []
    for violation in axe_violations(page):
        if violation["impact"] not in FAILING_IMPACTS:
            continue
        targets = [
            target
            for target in violation["targets"]
            if not any(k.covers(violation["id"], target) for k in known)
        ]
        if targets:
            found.append({**violation, "targets": targets})
    return found


def describe(violations: list[dict[str, Any]]) -> str:
    """One paragraph a violation: rule, impact, what it asks and the first nodes."""
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} [{len(v['targets'])} node(s)]")
        for target, summary in list(zip(v["targets"], v["summaries"], strict=False))[
            :TARGETS_SHOWN
        ]:
            first = summary.splitlines()[1].strip() if summary.count("\n") else summary
            lines.append(f"    {target}  {first}")
    return "\n".join(lines)


def assert_no_serious_violations(
    page: Any, context: str = "", known: tuple[KnownViolation, ...] = ()
) -> None:
    """Fail, listing each serious or critical violation (id, impact, help, first
    targets), when axe finds any on the page; `known` exceptions are left out."""
    found = serious_violations(page, known)
    where = context or page.url
    assert not found, f"axe: serious or critical violations on {where}:\n{describe(found)}"
