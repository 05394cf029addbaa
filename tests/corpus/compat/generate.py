#!/usr/bin/env python3
"""Writes the compatibility corpus: one folder per case, from one base spec and a list of edits.

Run `python3 tests/corpus/compat/generate.py`, then `UPDATE_EXPECT=1 cargo test -p lp-compat --test corpus`
and the CLI corpus to refresh the expectations, and read the diff.
"""
import os, sys
ROOT = os.path.dirname(os.path.abspath(__file__))
BASE = '''spec shop version 1.0.0

/// A stock-keeping unit.
type Sku = String where len(self) >= 3
/// How many are in stock.
type Qty = Int where 0 <= self && self <= 1000
type Tag = String

type Item = { sku: Sku, qty: Qty, note: Option<String> }
type Color = Red | Green | Blue { shade: Int }
type Box<T> = { value: T }

error Missing = 404 { sku: Sku }
error Busy = 503

fn total(item: Item) -> Int = item.qty

machine Order {
  var tries: Int = 0
  var paused: Bool = false
  invariant 0 <= tries && tries <= 5
  initial Draft
  final Closed
  Draft -> Open on submit
  Open -> Closed on close
  Open -> Open on retry when tries < 5 do tries = tries + 1
}

service items {
  op get_item(sku: Sku) -> Item ! Missing GET /items/{sku}
  op put_item(body item: Item) -> Item PUT /items/{item.sku}
  op submit(sku: Sku) -> Order POST /items/{sku}/submit fires Order.submit
}

service orders {
  op health() -> Unit GET /health
}

standards { auth = bearer(scopes = ["shop"]) except [health] }

deploy items { replicas = 1, port = 8080 }
'''

def v2(s):
    return s.replace('version 1.0.0', 'version 2.0.0')

def sub(s, pairs):
    for a, b in pairs:
        assert a in s, (a, s)
        s = s.replace(a, b, 1)
    return s

# name -> (old replacements, new replacements, extra appended to new)
CASES = {
 'TYPE_REMOVED': ([], [('type Tag = String\n', '')]),
 'TYPE_ADDED': ([], [('type Tag = String\n', 'type Tag = String\ntype Extra = { a: Int }\n')]),
 'TYPE_KIND_CHANGED': ([], [('type Tag = String\n', 'type Tag = { text: String }\n')]),
 'ALIAS_TARGET_CHANGED': ([], [('type Tag = String\n', 'type Tag = Int\n')]),
 'TYPE_PARAMS_CHANGED': ([], [('type Box<T> = { value: T }', 'type Box<T, U> = { value: T, other: U }')]),
 'FIELD_REMOVED': ([], [(', note: Option<String> }', ' }')]),
 'FIELD_ADDED_REQUIRED': ([], [(', note: Option<String> }', ', note: Option<String>, price: Int }')]),
 'FIELD_ADDED_OPTIONAL': ([], [(', note: Option<String> }', ', note: Option<String>, gift: Option<Bool> }')]),
 'FIELD_TYPE_CHANGED': ([], [('note: Option<String>', 'note: Option<Int>')]),
 'FIELD_MADE_REQUIRED': ([], [('note: Option<String>', 'note: String')]),
 'FIELD_MADE_OPTIONAL': ([], [('Blue { shade: Int }', 'Blue { shade: Option<Int> }')]),
 'REFINEMENT_NARROWED': ([], [('self <= 1000', 'self <= 100')]),
 'REFINEMENT_WIDENED': ([], [('len(self) >= 3', 'len(self) >= 1')]),
 'RECORD_REFINEMENT_CHANGED': ([], [('note: Option<String> }', 'note: Option<String> } where self.qty != 13')]),
 'VARIANT_REMOVED': ([], [('Red | Green | Blue', 'Red | Blue')]),
 'VARIANT_ADDED': ([], [('Blue { shade: Int }', 'Blue { shade: Int } | Yellow')]),
 'ERROR_REMOVED': ([], [('error Busy = 503\n', '')]),
 'ERROR_STATUS_CHANGED': ([], [('error Busy = 503', 'error Busy = 429')]),
 'SERVICE_REMOVED': ([], [('service orders {\n  op health() -> Unit GET /health\n}\n', '')]),
 'SERVICE_ADDED': ([], [('service orders {', 'service extra {\n  op ping() -> Unit GET /ping\n}\n\nservice orders {')]),
 'OP_REMOVED': ([], [('  op get_item(sku: Sku) -> Item ! Missing GET /items/{sku}\n', '')]),
 'OP_ADDED': ([], [('service items {\n', 'service items {\n  op list_items() -> List<Item> GET /items\n')]),
 'OP_HTTP_CHANGED': ([], [('GET /items/{sku}', 'GET /products/{sku}')]),
 'OP_PARAM_ADDED': ([], [('op get_item(sku: Sku)', 'op get_item(sku: Sku, verbose: Bool)')]),
 'OP_PARAM_REMOVED': ([('op get_item(sku: Sku)', 'op get_item(sku: Sku, verbose: Bool)')], []),
 'OP_PARAM_TYPE_CHANGED': ([], [('op submit(sku: Sku)', 'op submit(sku: Tag)')]),
 'OP_RESULT_CHANGED': ([], [('op get_item(sku: Sku) -> Item', 'op get_item(sku: Sku) -> Option<Item>')]),
 'OP_ERROR_ADDED': ([], [('-> Item PUT', '-> Item ! Busy PUT')]),
 'OP_ERROR_REMOVED': ([], [('-> Item ! Missing GET', '-> Item GET')]),
 'DEPENDENCY_ADDED': ([], [('service orders {\n', 'service orders {\n  depends on items\n')]),
 'DEPENDENCY_REMOVED': ([('service orders {\n', 'service orders {\n  depends on items\n')], []),
 'AUTH_CHANGED': ([], [('scopes = ["shop"]', 'scopes = ["shop", "admin"]')]),
 'DEPLOY_PORT_CHANGED': ([], [('port = 8080', 'port = 9090')]),
 'FN_REMOVED': ([], [('fn total(item: Item) -> Int = item.qty\n', '')]),
 'FN_SIGNATURE_CHANGED': ([], [('fn total(item: Item) -> Int = item.qty', 'fn total(item: Item, extra: Int) -> Int = item.qty + extra')]),
 'MACHINE_REMOVED': ([], [('machine Order {\n  var tries: Int = 0\n  var paused: Bool = false\n  invariant 0 <= tries && tries <= 5\n  initial Draft\n  final Closed\n  Draft -> Open on submit\n  Open -> Closed on close\n  Open -> Open on retry when tries < 5 do tries = tries + 1\n}\n', ''), ('  op submit(sku: Sku) -> Order POST /items/{sku}/submit fires Order.submit\n', '')]),
 'STATE_REMOVED': ([], [('initial Draft', 'initial Open'), ('  Draft -> Open on submit\n', '  Open -> Open on submit\n')]),
 'STATE_ADDED': ([], [('  Open -> Closed on close\n', '  Open -> Closed on close\n  Open -> Held on hold\n  Held -> Open on release\n')]),
 'INITIAL_STATE_CHANGED': ([], [('initial Draft', 'initial Open'), ('  Draft -> Open on submit\n', '  Draft -> Open on submit\n  Open -> Draft on reopen\n')]),
 'TRANSITION_REMOVED': ([], [('  Open -> Open on retry when tries < 5 do tries = tries + 1\n', '')]),
 'TRANSITION_ADDED': ([], [('  Draft -> Open on submit\n', '  Draft -> Open on submit\n  Draft -> Closed on cancel\n')]),
 'MACHINE_VAR_REMOVED': ([], [('  var paused: Bool = false\n', '')]),
 'MACHINE_VAR_ADDED': ([], [('  var paused: Bool = false\n', '  var paused: Bool = false\n  var notes: Int = 0\n')]),
 'MACHINE_VAR_TYPE_CHANGED': ([], [('var paused: Bool = false', 'var paused: Int = 0')]),
 'INVARIANT_NARROWED': ([], [('tries <= 5', 'tries <= 3')]),
 'no-change': ([], []),
 'refinement-equivalent-rewrite': ([], [('0 <= self && self <= 1000', 'self >= 0 && 1000 >= self')]),
 'refinement-calls-a-function': ([], [('type Qty = Int where 0 <= self && self <= 1000', 'type Qty = Int where 0 <= self && small(self)\nfn small(n: Int) -> Bool = n <= 1000')]),
 # Suppressions.
 'allow-accepts-a-break': ([], [('Blue { shade: Int }', 'Blue { shade: Int } | Yellow')], 'allow VARIANT_ADDED on Color.Yellow because "clients render unknown colours as grey"\n'),
 'allow-unused': ([], [], 'allow FIELD_REMOVED on Item.nothing because "a stale suppression"\n'),
 'allow-unknown-rule': ([], [('type Tag = String\n', '')], 'allow TYPE_DELETED on Tag because "a misspelt rule id"\n'),
 # Migrations.
 'migrate-covers-rename': ([], [('note: Option<String> }', 'remark: Option<String> }')],
     'migrate from "../v1/shop.adt" reversible {\n  Item.remark <- old.note\n  back Item.note <- new.remark\n}\n'),
 # An entity's stored record migrates like a type's: keys and lifecycles play no part.
 'migrate-entity-rename': ([('type Item = {', 'entity Item key sku = {')],
     [('type Item = {', 'entity Item key sku = {'), ('note: Option<String> }', 'remark: Option<String> }')],
     'migrate from "../v1/shop.adt" reversible {\n  Item.remark <- old.note\n  back Item.note <- new.remark\n}\n'),
 'migrate-clamps-narrowed-range': ([], [('self <= 1000', 'self <= 100')],
     'migrate from "../v1/shop.adt" {\n  Item.qty <- match old.qty > 100 { true => 100, false => old.qty }\n}\n'),
 'migrate-not-total': ([], [('self <= 1000', 'self <= 100')],
     'migrate from "../v1/shop.adt" {\n  Item.qty <- old.qty\n}\n'),
 'migrate-not-total-new-field': ([], [(', note: Option<String> }', ', note: Option<String>, price: Int where self >= 1 }')],
     'migrate from "../v1/shop.adt" {\n  Item.price <- old.qty\n}\n'),
 'migrate-required-field-with-default': ([], [(', note: Option<String> }', ', note: Option<String>, price: Int where self >= 1 }')],
     'migrate from "../v1/shop.adt" reversible {\n  Item.price <- 1\n}\n'),
 'migrate-not-reversible': ([], [('note: Option<String> }', 'remark: Option<String> }')],
     'migrate from "../v1/shop.adt" reversible {\n  Item.remark <- old.note\n  back Item.note <- None\n}\n'),
 'migrate-reversible-loses-a-field': ([], [('note: Option<String> }', 'remark: Option<String> }')],
     'migrate from "../v1/shop.adt" reversible {\n  Item.remark <- old.note\n}\n'),
 'migrate-state-not-mapped': ([], [('initial Draft', 'initial Open'), ('  Draft -> Open on submit\n', '  Open -> Open on submit\n'), ('note: Option<String> }', 'remark: Option<String> }')],
     'migrate from "../v1/shop.adt" {\n  Item.remark <- old.note\n}\n'),
 'migrate-back-rule-unknown-field': ([], [('note: Option<String> }', 'remark: Option<String> }')],
     'migrate from "../v1/shop.adt" reversible {\n  Item.remark <- old.note\n  back Item.nickname <- new.remark\n}\n'),
 'migrate-back-rule-not-total': ([('note: Option<String> }', 'note: String where len(self) >= 1 }')], [('note: Option<String> }', 'remark: String }')],
     'migrate from "../v1/shop.adt" reversible {\n  Item.remark <- old.note\n  back Item.note <- new.remark\n}\n'),
 'migrate-rule-type-error': ([], [('note: Option<String> }', 'remark: Option<String> }')],
     'migrate from "../v1/shop.adt" {\n  Item.remark <- old.qty\n}\n'),
}

for name, spec in CASES.items():
    old_r, new_r = spec[0], spec[1]
    extra = spec[2] if len(spec) > 2 else ''
    old = sub(BASE, old_r)
    new = v2(sub(BASE, new_r)) + ('\n' + extra if extra else '')
    new = '// command = "diff"\n// args = ["--against", "tests/corpus/compat/%s/old.adt"]\n' % name + new
    d = os.path.join(ROOT, name)
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, 'old.adt'), 'w').write(old)
    open(os.path.join(d, 'new.adt'), 'w').write(new)
print(len(CASES))
