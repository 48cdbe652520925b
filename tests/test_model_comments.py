"""Every model column carries a ``#:`` comment saying what it holds (DESIGN.md, "Conventions").

The model files are found from the mapped classes (and the mixins they inherit columns from), not from
hard-coded paths, so the check follows the models wherever their packages move."""

import ast
import inspect
import sys
from pathlib import Path

import server.models  # noqa: F401  (imports every model, so the registry knows them all)
from core.db import db

REPO = Path(__file__).resolve().parents[1]
COLUMN_CALLS = {"mapped_column", "Column"}
TABLE_CALLS = {"Table"}


def model_files() -> set[Path]:
    """The source files of every mapped class and of the project's classes it inherits from."""
    files = set()
    for mapper in db.Model.registry.mappers:
        for cls in mapper.class_.__mro__:
            module = sys.modules.get(cls.__module__)
            source = getattr(module, "__file__", None)  # None for builtins (``object``)
            if source is None:
                continue
            path = Path(source).resolve()
            if path.is_relative_to(REPO) and ".venv" not in path.relative_to(REPO).parts:
                files.add(path)
    return files


def called_names(node: ast.AST) -> set[str]:
    """The names of the functions called anywhere in ``node`` (``db.Column(...)`` counts as ``Column``)."""
    names = set()
    for call in ast.walk(node):
        if isinstance(call, ast.Call):
            if isinstance(call.func, ast.Name):
                names.add(call.func.id)
            elif isinstance(call.func, ast.Attribute):
                names.add(call.func.attr)
    return names


def assigned_name(statement: ast.Assign | ast.AnnAssign) -> str:
    targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
    return ", ".join(ast.unparse(target) for target in targets)


def definitions(tree: ast.Module):
    """(statement, name) for each class-level column and each module-level ``Table(...)``."""
    for statement in tree.body:
        if isinstance(statement, ast.Assign | ast.AnnAssign) and statement.value is not None:
            if called_names(statement.value) & TABLE_CALLS:
                yield statement, assigned_name(statement)
    for cls in ast.walk(tree):
        if not isinstance(cls, ast.ClassDef):
            continue
        for statement in cls.body:
            if isinstance(statement, ast.Assign | ast.AnnAssign) and statement.value is not None:
                if called_names(statement.value) & COLUMN_CALLS:
                    yield statement, f"{cls.name}.{assigned_name(statement)}"


def has_doc_comment(lines: list[str], lineno: int) -> bool:
    """Whether the line directly above line ``lineno`` (1-based) is a ``#:`` comment: the last line of a comment
    block (plain ``#`` lines before it may say why) or of ``#:`` continuation lines."""
    return lineno >= 2 and lines[lineno - 2].lstrip().startswith("#:")


def uncommented(path: Path) -> list[str]:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    return [f"{path.relative_to(REPO)}:{statement.lineno}:{name}"
            for statement, name in definitions(ast.parse(source, filename=str(path)))
            if not has_doc_comment(lines, statement.lineno)]


def test_model_files_are_found():
    files = model_files()
    assert len(files) > 5, files
    assert Path(inspect.getsourcefile(server.models.Proposal)).resolve() in files


def test_every_column_has_a_doc_comment():
    missing = [entry for path in sorted(model_files()) for entry in uncommented(path)]
    assert not missing, "columns without a #: comment above them:\n" + "\n".join(missing)


def test_every_link_table_is_checked():
    """Tables without a mapped class (link tables) are defined in one of the model files, so the check sees them."""
    mapped = {table.name for mapper in db.Model.registry.mappers for table in mapper.tables}
    found = set()
    for path in model_files():
        for statement, _ in definitions(ast.parse(path.read_text(encoding="utf-8"))):
            value = statement.value
            if isinstance(value, ast.Call) and value.args and isinstance(value.args[0], ast.Constant):
                found.add(value.args[0].value)
    assert set(db.metadata.tables) - mapped <= found
