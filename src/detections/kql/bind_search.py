"""search and find over several tables: a predicate is bound per table; a table lacking a column
the predicate names contributes no rows. A bare string searches every column for the term."""

from __future__ import annotations

from typing import Any

from detections.kql import ast
from detections.kql.binder import Binder, Env, register_operator, register_source
from detections.kql.compiler import Scope
from detections.kql.errors import KqlSemanticError
from detections.kql.ops_core import Compute, Filter, Op, TableScan
from detections.kql.types import KType


def _predicate(node: Any, case_sensitive: bool) -> Any:
    """A bare string literal means `* has "text"` (has_cs with kind=case_sensitive)."""
    if isinstance(node, ast.Literal) and isinstance(node.value, str):
        return ast.Binary("has_cs" if case_sensitive else "has", ast.Star(span=node.span), node, span=node.span)
    return node


def _tables(binder: Binder, tables: tuple, env: Env) -> list[tuple[str, Op]]:
    if not tables:
        return [(name, binder._table_by_name(name, None, env)) for name in binder.schemas]
    found: list[tuple[str, Op]] = []
    for table in tables:
        if isinstance(table, ast.TableRef) and "*" in table.name:
            found.extend(binder._wildcard_tables(table, env))
        else:
            found.append((table.name if isinstance(table, ast.TableRef) else "", binder.tabular(table, env)))
    return found


def _filtered(binder: Binder, parts: list[tuple[str, Op]], predicate: Any, env: Env) -> list[tuple[str, Op]]:
    kept, failure, bound = [], None, 0
    for name, op in parts:
        try:
            compiled = binder.compiler.compile(predicate, Scope(list(op.columns), env))
            kept.append((name, Filter(op, compiled.fn)))
            bound += 1
        except KqlSemanticError as err:  # the predicate names a column this table does not have
            failure = err
            kept.append((name, Filter(op, lambda _r: False)))
    if failure is not None and not bound:
        raise failure
    return kept


def bind_search_source(binder: Binder, node: ast.Search, env: Env) -> Op:
    parts = _filtered(binder, _tables(binder, node.tables, env), _predicate(node.predicate, node.case_sensitive), env)
    return binder._union_of(parts, "$table", False, node)


def _source_name(op: Op) -> str:
    while not isinstance(op, TableScan):
        op = getattr(op, "source", None)
        if op is None:
            return ""
    return op.name


def bind_search_operator(binder: Binder, node: ast.Search, op: Op, env: Env) -> Op:
    parts = _filtered(binder, [(_source_name(op), op)], _predicate(node.predicate, node.case_sensitive), env)
    return binder._union_of(parts, "$table", False, node)


def bind_find(binder: Binder, node: ast.Find, env: Env) -> Op:
    parts = _filtered(binder, _tables(binder, node.tables, env), node.predicate, env)
    label = node.withsource or "source_"
    if node.project is not None:
        columns = (ast.Name(label, span=node.span), *node.project)
        return binder.operators((ast.Project(columns, span=node.span),),
                                binder._union_of(parts, label, False, node), env)
    common = [c for c in parts[0][1].columns if all(c in op.columns for _, op in parts[1:])]
    shaped = []
    for name, op in parts:
        index = op.index()
        keep = [index[n] for n, _ in common]
        rest = [(n, index[n]) for n, _ in op.columns if n not in {c for c, _ in common}]

        def pack(r: tuple, rest: list = rest) -> dict:
            return {n: r[i] for n, i in rest if r[i] is not None and r[i] != ""}

        shaped.append((name, Compute(op, [*common, ("pack_", KType.DYNAMIC)], [*keep, pack], "find")))
    return binder._union_of(shaped, label, False, node)


register_source(ast.Search, bind_search_source)
register_source(ast.Find, bind_find)
register_operator(ast.Search, bind_search_operator)
