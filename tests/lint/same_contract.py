#!/usr/bin/env python3
"""same_contract.py [--texts] OLD.yaml NEW.yaml: does NEW state the same contract as OLD?

The contract is what a client or a generator can rely on: the paths, their operations
(method, operationId, tags, security, deprecated), each operation's effective parameters
(path-level and operation-level merged, keyed by `in` and `name`: required, style,
explode, schema), request bodies, status codes, response headers and media types, and
every schema keyword (type, enum, const, pattern, format, required, minimum, maximum,
minLength, maxLength, minItems, maxItems, additionalProperties, oneOf, allOf, items,
properties, ...), after every `$ref` is replaced by what it points at (a `$ref` with a
`description` or `summary` beside it, as OpenAPI 3.1 allows, takes those). Also the
top-level keys (openapi, jsonSchemaDialect, servers, security, tags), info (but its
texts), the security schemes, and the names of all components but examples: every
component of OLD must still exist in NEW under its name (generated clients use the names)
and compare equal.

Not contract, and left out: examples (`example`, `examples`, components/examples) and the
texts (`description`, `summary`), unless --texts is given. Where a thing is written is left
out too: inline or in components, path-level or operation-level parameters.

Prints one line per difference and exits 1 if there is any; otherwise prints
"same contract" and how many of OLD's texts NEW changed or removed (informational), and exits 0.
Needs Python 3 with PyYAML.
"""
import copy
import json
import sys

import yaml

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
TEXTS = ("description", "summary")


def resolve(doc, ref):
    node = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[part] if isinstance(node, dict) else node[int(part)]
    return node


def deref(doc, node, stack=()):
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            if not ref.startswith("#/"):
                raise SystemExit("same_contract.py: external $ref %r is not supported" % ref)
            if ref in stack:
                return {"<recursive>": ref}
            try:
                target = deref(doc, resolve(doc, ref), stack + (ref,))
            except (KeyError, IndexError, ValueError, TypeError):
                return {"<unresolved>": ref}
            siblings = {k: deref(doc, v, stack) for k, v in node.items() if k != "$ref"}
            if siblings and isinstance(target, dict):
                merged = dict(target)
                merged.update(siblings)
                return merged
            return target
        return {k: deref(doc, v, stack) for k, v in node.items()}
    if isinstance(node, list):
        return [deref(doc, v, stack) for v in node]
    return node


def strip(node, drop, parent_key=None, texts=None, where=""):
    """node without the keys in drop; the dropped texts go to texts[where] when given.
    A key under `properties` (or a header's, a media type's, a response's name) is a name,
    never dropped."""
    if isinstance(node, dict):
        out = {}
        names = parent_key in ("properties", "patternProperties", "headers", "content", "responses",
                               "examples", "paths", "schemas", "parameters", "securitySchemes",
                               "mapping", "dependentSchemas", "$defs", "definitions")
        for k, v in node.items():
            if not names and k in drop:
                if texts is not None and k in TEXTS and isinstance(v, str):
                    texts["%s/%s" % (where, k)] = v
                continue
            out[k] = strip(v, drop, k, texts, "%s/%s" % (where, k))
        return out
    if isinstance(node, list):
        return [strip(v, drop, parent_key, texts, "%s/%d" % (where, i)) for i, v in enumerate(node)]
    return node


def effective_operations(doc):
    """{"METHOD path": operation, with its parameters as a dict keyed by "in name"}."""
    ops = {}
    for path, item in doc.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method in METHODS:
            if method not in item:
                continue
            op = copy.deepcopy(item[method])
            params = {}
            for p in shared + op.get("parameters", []):
                params["%s %s" % (p.get("in"), p.get("name"))] = p
            op["parameters"] = params
            ops["%s %s" % (method.upper(), path)] = op
        rest = {k: v for k, v in item.items() if k not in METHODS and k != "parameters"}
        if rest:
            ops["PATH %s" % path] = rest
    return ops


def short(x):
    text = json.dumps(x, ensure_ascii=False)
    return text if len(text) <= 120 else text[:117] + "..."


def diff(out, where, a, b):
    if isinstance(a, dict) and isinstance(b, dict):
        for k in a:
            if k not in b:
                out.append("%s: %r removed" % (where, k))
        for k in b:
            if k not in a:
                out.append("%s: %r added: %s" % (where, k, short(b[k])))
        for k in a:
            if k in b:
                diff(out, "%s/%s" % (where, k), a[k], b[k])
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append("%s: %d items, now %d" % (where, len(a), len(b)))
        for i, (x, y) in enumerate(zip(a, b)):
            diff(out, "%s/%d" % (where, i), x, y)
    elif a != b or type(a) != type(b):
        out.append("%s: %s, now %s" % (where, short(a), short(b)))


def normalise(doc, drop, texts):
    return strip(deref(doc, doc), drop, texts=texts)


def compare(old_doc, new_doc, compare_texts=False):
    """(differences, number of texts that differ)"""
    drop = {"example", "examples"} if compare_texts else {"example", "examples"} | set(TEXTS)
    old_texts, new_texts = {}, {}
    old, new = normalise(old_doc, drop, old_texts), normalise(new_doc, drop, new_texts)
    out = []
    for key in sorted(set(old) | set(new)):
        if key in ("paths", "components"):
            continue
        diff(out, key, old.get(key), new.get(key))

    old_ops, new_ops = effective_operations(old), effective_operations(new)
    for name in old_ops:
        if name not in new_ops:
            out.append("%s: removed" % name)
    for name in new_ops:
        if name not in old_ops:
            out.append("%s: added" % name)
    for name in old_ops:
        if name not in new_ops:
            continue
        a, b = old_ops[name], new_ops[name]
        params_a, params_b = a.pop("parameters"), b.pop("parameters")
        for key in sorted(set(params_a) | set(params_b)):
            if key not in params_b:
                out.append("%s: parameter %s removed" % (name, key))
            elif key not in params_a:
                out.append("%s: parameter %s added" % (name, key))
            else:
                diff(out, "%s parameter %s" % (name, key), params_a[key], params_b[key])
        diff(out, name, a, b)

    oc, nc = old.get("components", {}), new.get("components", {})
    for kind in sorted(set(oc) | set(nc)):
        if kind == "examples":
            continue
        for comp in oc.get(kind, {}):
            where = "components/%s/%s" % (kind, comp)
            if comp not in nc.get(kind, {}):
                out.append("%s: removed" % where)
            else:
                diff(out, where, oc[kind][comp], nc[kind][comp])
    # texts of OLD that NEW changed or removed (a new component brings its own texts: not counted)
    changed_texts = sum(1 for k in old_texts if old_texts[k] != new_texts.get(k))
    return out, changed_texts


def main(argv):
    args = [a for a in argv[1:] if a != "--texts"]
    if len(args) != 2:
        print(__doc__.split("\n")[0], file=sys.stderr)
        return 2
    with open(args[0], encoding="utf-8") as f:
        old_doc = yaml.safe_load(f)
    with open(args[1], encoding="utf-8") as f:
        new_doc = yaml.safe_load(f)
    out, changed_texts = compare(old_doc, new_doc, "--texts" in argv)
    for line in out:
        print(line)
    if out:
        print("same_contract.py: %d difference(s)" % len(out), file=sys.stderr)
        return 1
    note = "" if "--texts" in argv else " (%d description/summary texts differ after dereferencing)" % changed_texts
    print("same contract%s" % note)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
