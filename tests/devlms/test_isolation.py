"""The development LMS stands apart from the tool: it signs, the tool verifies, so no shared bug can hide."""

import ast
from pathlib import Path

import devlms

DEVLMS_ROOT = Path(devlms.__file__).parent


def imported_modules(path: Path) -> set[str]:
    """Every module a Python file imports, top-level or not."""
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return modules


def test_no_module_of_the_development_lms_imports_the_tool():
    offenders = {
        str(path.relative_to(DEVLMS_ROOT)): sorted(name for name in imported_modules(path)
                                                     if name == "app" or name.startswith("app."))
        for path in DEVLMS_ROOT.rglob("*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_development_lms_has_python_modules_to_check():
    assert len(list(DEVLMS_ROOT.rglob("*.py"))) > 10
