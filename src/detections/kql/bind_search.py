"""search and find over several tables: a predicate is bound per table; a table lacking a column
the predicate names contributes no rows. A bare string searches every column for the term."""

from __future__ import annotations

from typing import Any

from detections.kql import ast
from detections.kql.binder import (
    Binder,
    Env,
    referenced_names,
    register_operator,
    register_source,
    source_name,
)
from detections.kql.compiler import Scope
from detections.kql.ops_core import Computed, Filter, Op, null_of
from detections.kql.types import KType


def _predicate(node: Any, case_sensitive: bool) -> Any:
    """A bare string literal means `* has "text"` (has_cs with kind=case_sensitive); a bare `*`
    (`search *`) means every row (None: no filter)."""
    if isinstance(node, ast.Star):
        return None
    if isinstance(node, ast.Literal) and isinstance(node.value, str):
        return ast.Binary("has_cs" if case_sensitive else "has", ast.Star(span=node.span), node, span=node.span)
    return node


def _tables(binder: Binder, tables: tuple, env: Env) -> list[tuple[str, Op]]:
    if not tables:
        return [(name, binder.table_by_name(name, None, env)) for name in binder.schemas]
    found: list[tuple[str, Op]] = []
    for table in tables:
        if isinstance(table, ast.TableRef) and "*" in table.name:
            found.extend(binder.wildcard_tables(table, env))
        else:
            found.append((table.name if isinstance(table, ast.TableRef) else "", binder.tabular(table, env)))
    return found


def _filtered(binder: Binder, parts: list[tuple[str, Op]], predicate: Any, env: Env) -> list[tuple[str, Op]]:
    """Each table filtered by the predicate; a column a table lacks reads as null there, and a
    name no table has is an error."""
    if predicate is None:
        return parts
    kept, missing_everywhere = [], None
    outer = binder.unresolved
    for name, op in parts:
        binder.unresolved = unresolved = set()
        try:
            compiled = binder.compiler.compile(predicate, Scope(list(op.columns), env))
        finally:
            binder.unresolved = outer
        missing_everywhere = unresolved if missing_everywhere is None else missing_everywhere & unresolved
        kept.append((name, Filter(op, compiled.fn)))
    if missing_everywhere:
        raise binder.error(predicate, f"unknown column '{sorted(missing_everywhere)[0]}' (no searched table has it)")
    return kept


def bind_search_source(binder: Binder, node: ast.Search, env: Env) -> Op:
    parts = _filtered(binder, _tables(binder, node.tables, env), _predicate(node.predicate, node.case_sensitive), env)
    return binder.union_of(parts, "$table", False, node)


def bind_search_operator(binder: Binder, node: ast.Search, op: Op, env: Env) -> Op:
    parts = _filtered(binder, [(source_name(op), op)], _predicate(node.predicate, node.case_sensitive), env)
    return binder.union_of(parts, "$table", False, node)


def bind_find(binder: Binder, node: ast.Find, env: Env) -> Op:
    parts = _filtered(binder, _tables(binder, node.tables, env), node.predicate, env)
    label = node.withsource or "source_"
    if node.project is not None:
        columns = (ast.Name(label, span=node.span), *node.project)
        return binder.operators((ast.Project(columns, span=node.span),),
                                binder.union_of(parts, label, False, node), env)
    common = [c for c in parts[0][1].columns if all(c in op.columns for _, op in parts[1:])]
    typed = {name: ktype for _, op in parts for name, ktype in op.columns}
    named = [n for n in dict.fromkeys(referenced_names(node.predicate)) if n in typed and n not in dict(common)]
    shown = [*common, *((n, typed[n]) for n in named)]
    shown_names = {n for n, _ in shown}
    shaped = []
    for name, op in parts:
        index = op.index()
        picks = [(index.get(n), null_of(t)) for n, t in shown]
        rest = [(n, index[n]) for n, _ in op.columns if n not in shown_names]

        def row(r: tuple, picks: list = picks, rest: list = rest) -> tuple:
            packed = {n: r[i] for n, i in rest if r[i] is not None and r[i] != ""}
            return (*(default if i is None else r[i] for i, default in picks), packed)

        shaped.append((name, Computed([*shown, ("pack_", KType.DYNAMIC)],
                                      lambda rt, op=op, row=row: [row(r) for r in op.run(rt)], "find")))
    return binder.union_of(shaped, label, False, node)


register_source(ast.Search, bind_search_source)
register_source(ast.Find, bind_find)
register_operator(ast.Search, bind_search_operator)
