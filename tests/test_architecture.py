"""The house plan holds (docs/architecture.md): packages import in one direction, kiosk and server share only
wire/, no module cycles, modules stay small, and imports sit at the top of modules unless a comment says why."""

import ast
import shutil
import subprocess
import sys
import tomllib
from importlib.metadata import requires
from pathlib import Path

import grimp
import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
PACKAGES = CONFIG["root_packages"]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
MAX_LINES = 400


def app_modules():
    """Every Python file of the app's packages (migrations are generated history, not code one edits)."""
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=tree, capture_output=True, text=True, timeout=300)


def test_the_import_contract_holds():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def copy_of_the_app(tmp_path_factory):
    """The packages and their contract in a scratch folder, to break on purpose."""
    tree = tmp_path_factory.mktemp("app")
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__", "migrations",
                                                                                      "templates", "translations"))
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


@pytest.mark.parametrize("module, line, contract", [
    ("core/db.py", "import appeals.models", "Domains are layered"),
    ("accounts/users.py", "from voting import supports", "Domains are layered"),
    ("appeals/routing.py", "import voting.models", "Domains are layered"),
    ("kiosk_fleet/kiosks.py", "import kiosk.outbox", "The server side does not import the kiosk client"),
    ("server/web/helpers.py", "from kiosk import machine", "The server side does not import the kiosk client"),
    ("kiosk/outbox.py", "from appeals import models", "The kiosk client imports nothing of the server side"),
    ("kiosk/client.py", "import sqlalchemy", "The kiosk client imports nothing of the server side"),
    ("projects/promotion.py", "import budgeting.counting", "Domains are layered"),
    ("budgeting/counting.py", "import flask", "Counting a budget needs neither the web nor the database"),
], ids=["core imports a domain", "accounts imports voting", "appeals imports its sibling", "server imports kiosk",
        "a page imports kiosk", "kiosk imports the server", "kiosk imports a server library",
        "projects imports budgeting", "counting imports flask"])
def test_the_contract_fails_when_broken(copy_of_the_app, module, line, contract):
    path = copy_of_the_app / module
    original = path.read_text()
    path.write_text(original + f"\n{line}  # broken on purpose\n")
    try:
        result = lint_imports(copy_of_the_app)
    finally:
        path.write_text(original)
    verdicts = [line for line in result.stdout.splitlines() if line.startswith(contract)]
    assert result.returncode != 0 and verdicts and verdicts[0].endswith("BROKEN"), result.stdout
    assert sum(line.endswith("BROKEN") for line in result.stdout.splitlines()) == 1, result.stdout


def test_the_copy_is_whole_before_it_is_broken(copy_of_the_app):
    result = lint_imports(copy_of_the_app)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_module_imports_itself_back():
    """No cycle between the app's modules (Tarjan's strongly connected components over the import graph)."""
    graph = grimp.build_graph(*PACKAGES, cache_dir=None, exclude_type_checking_imports=True)
    modules = sorted(graph.modules)
    edges = {m: sorted(set(graph.find_modules_directly_imported_by(m)) & set(modules)) for m in modules}
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(module):
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in edges[module]:
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(modules)))
    for module in modules:
        if module not in index:
            visit(module)
    assert cycles == []


def test_modules_stay_small():
    long = {str(p.relative_to(ROOT)): n for p in app_modules() if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert long == {}, f"over {MAX_LINES} lines: split by concern"


def test_imports_of_the_app_inside_functions_say_why():
    """An import of the app's own modules inside a function hides a dependency (it once hid a cycle): it is
    allowed only with a comment on its line or the line above."""
    silent = []
    for path in app_modules():
        source = path.read_text()
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom) and inner.level == 0 and inner.module:
                    name = inner.module
                elif isinstance(inner, ast.Import):
                    name = inner.names[0].name
                else:
                    continue
                if name.split(".")[0] in PACKAGES:
                    here, above = lines[inner.lineno - 1], lines[inner.lineno - 2] if inner.lineno > 1 else ""
                    if "#" not in here and not above.strip().startswith("#"):
                        silent.append(f"{path.relative_to(ROOT)}:{inner.lineno}: {here.strip()}")
    assert silent == []


def test_the_wire_contract_needs_nothing_but_python():
    imported = set()
    for path in (ROOT / "wire").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                imported.add(node.module.split(".")[0])
    assert imported - {"wire"} <= sys.stdlib_module_names


def test_installing_the_kiosk_brings_none_of_the_server_libraries():
    """The kiosk extra and the server extra share only what both really use (Flask and Babel for their pages,
    soundfile for recordings, Pillow for pictures: the server's photos, the kiosk's printed slip, which
    python-escpos draws with it anyway): no database, object storage, job queue or web server on a Pi."""
    extras = {"kiosk": set(), "server": set()}
    for requirement in requires("minyi") or []:
        name, _, marker = requirement.partition(";")
        for extra in extras:
            if f'extra == "{extra}"' in marker:
                extras[extra].add(name.split("[")[0].split(">")[0].split("<")[0].split("=")[0].strip().lower())
    assert extras["kiosk"] and extras["server"]
    assert extras["kiosk"] & extras["server"] == {"flask", "flask-babel", "babel", "soundfile", "pillow"}
    assert not extras["kiosk"] & {"sqlalchemy", "psycopg", "boto3", "rq", "redis", "gunicorn"}


def test_the_kiosk_libraries_bring_none_of_the_server_libraries_along():
    """Nor does what the kiosk's libraries need in turn (python-escpos brings Pillow, qrcode, pyusb, pyserial...)."""
    pending = [Requirement(r) for r in requires("minyi") or [] if 'extra == "kiosk"' in r]
    installed = set()
    while pending:
        requirement = pending.pop()
        name = canonicalize_name(requirement.name)
        if name in installed:
            continue
        installed.add(name)
        for needed in map(Requirement, requires(name) or []):
            if not needed.marker or needed.marker.evaluate({"extra": ""}) or any(
                    needed.marker.evaluate({"extra": extra}) for extra in requirement.extras):
                pending.append(needed)
    assert {"python-escpos", "pillow", "qrcode", "pyusb", "pyserial"} <= installed
    assert not installed & {"sqlalchemy", "flask-sqlalchemy", "psycopg", "boto3", "rq", "redis", "gunicorn",
                            "flask-login", "flask-wtf", "flask-limiter", "argon2-cffi"}
