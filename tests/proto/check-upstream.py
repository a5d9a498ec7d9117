#!/usr/bin/env python3
"""Checks tenuo-sidecar's Temporal proto subset against upstream.

Both sides are parsed by protoc itself (protoc-c --descriptor_set_out), so
names are resolved the way the compiler resolves them; this script only
decodes the two FileDescriptorSets (a minimal protobuf wire reader, no
dependencies) and compares them:

  * every message of the subset exists upstream under the same full name,
    in a file with the same path and package;
  * every field of the subset has upstream's name, number, label, type,
    type name (messages and enums fully qualified), oneof and proto3
    `optional` flag; map entries are compared like any nested message;
  * every enum of the subset has upstream's values (and all of them);
  * every method path in proto/tn_temporal_methods.h is an upstream
    WorkflowService rpc with the stated request and response types, unary;
  * the method list in temporal-proto-facts.md (when that file is present)
    is exactly upstream's, and its field lines agree with the subset.

Usage: check-upstream.py --ours DIR --upstream DIR [--extra-include DIR]
                         [--methods FILE] [--facts FILE] [--protoc PROTOC]
Exit status 0 when everything matches, 1 with a diff on stderr otherwise.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

# ------------------------------------------------------------ wire reader


def _varint(buf, i):
    v = 0
    shift = 0
    while True:
        if i >= len(buf):
            raise ValueError("truncated varint")
        b = buf[i]
        i += 1
        v |= (b & 0x7F) << shift
        if not b & 0x80:
            return v, i
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


def fields(buf):
    """Yields (number, wire_type, value) of one message's fields."""
    i = 0
    while i < len(buf):
        key, i = _varint(buf, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = _varint(buf, i)
        elif wt == 1:
            v, i = buf[i:i + 8], i + 8
        elif wt == 2:
            n, i = _varint(buf, i)
            v, i = buf[i:i + n], i + n
        elif wt == 5:
            v, i = buf[i:i + 4], i + 4
        else:
            raise ValueError("unsupported wire type %d" % wt)
        yield num, wt, v


def _s(b):
    return b.decode("utf-8")


LABELS = {1: "optional", 2: "required", 3: "repeated"}
TYPES = {1: "double", 2: "float", 3: "int64", 4: "uint64", 5: "int32",
         6: "fixed64", 7: "fixed32", 8: "bool", 9: "string", 10: "group",
         11: "message", 12: "bytes", 13: "uint32", 14: "enum",
         15: "sfixed32", 16: "sfixed64", 17: "sint32", 18: "sint64"}


def parse_field(buf):
    f = {"name": None, "number": None, "label": None, "type": None,
         "type_name": "", "oneof_index": None, "proto3_optional": False}
    for num, _, v in fields(buf):
        if num == 1:
            f["name"] = _s(v)
        elif num == 3:
            f["number"] = v
        elif num == 4:
            f["label"] = LABELS.get(v, str(v))
        elif num == 5:
            f["type"] = TYPES.get(v, str(v))
        elif num == 6:
            f["type_name"] = _s(v)
        elif num == 9:
            f["oneof_index"] = v
        elif num == 17:
            f["proto3_optional"] = bool(v)
    return f


def parse_enum(buf, scope, fname, pkg, out):
    name = None
    values = {}
    for num, _, v in fields(buf):
        if num == 1:
            name = _s(v)
        elif num == 2:
            vn, vv = None, 0
            for n2, _, v2 in fields(v):
                if n2 == 1:
                    vn = _s(v2)
                elif n2 == 2:
                    vv = v2 if v2 < (1 << 63) else v2 - (1 << 64)
            values[vn] = vv
    out["enums"][scope + "." + name] = {"file": fname, "package": pkg,
                                        "values": values}


def parse_message(buf, scope, fname, pkg, out):
    name = None
    raw_fields, nested, enums, oneofs = [], [], [], []
    map_entry = False
    for num, _, v in fields(buf):
        if num == 1:
            name = _s(v)
        elif num == 2:
            raw_fields.append(v)
        elif num == 3:
            nested.append(v)
        elif num == 4:
            enums.append(v)
        elif num == 7:
            for n2, _, v2 in fields(v):
                if n2 == 7:
                    map_entry = bool(v2)
        elif num == 8:
            for n2, _, v2 in fields(v):
                if n2 == 1:
                    oneofs.append(_s(v2))
    full = scope + "." + name
    flist = {}
    for rf in raw_fields:
        f = parse_field(rf)
        oi = f.pop("oneof_index")
        f["oneof"] = None
        if oi is not None and not f["proto3_optional"]:
            f["oneof"] = oneofs[oi]
        flist[f["number"]] = f
    out["messages"][full] = {"file": fname, "package": pkg,
                             "fields": flist, "map_entry": map_entry}
    for n in nested:
        parse_message(n, full, fname, pkg, out)
    for e in enums:
        parse_enum(e, full, fname, pkg, out)


def parse_set(data):
    out = {"messages": {}, "enums": {}, "services": {}, "files": {}}
    for num, _, fbuf in fields(data):
        if num != 1:
            continue
        fname, pkg = None, ""
        msgs, enums, svcs = [], [], []
        for n, _, v in fields(fbuf):
            if n == 1:
                fname = _s(v)
            elif n == 2:
                pkg = _s(v)
            elif n == 4:
                msgs.append(v)
            elif n == 5:
                enums.append(v)
            elif n == 6:
                svcs.append(v)
        out["files"][fname] = pkg
        scope = "." + pkg if pkg else ""
        for m in msgs:
            parse_message(m, scope, fname, pkg, out)
        for e in enums:
            parse_enum(e, scope, fname, pkg, out)
        for s in svcs:
            sname, methods = None, {}
            for n, _, v in fields(s):
                if n == 1:
                    sname = _s(v)
                elif n == 2:
                    m = {"input": "", "output": "", "cs": False,
                         "ss": False}
                    mname = None
                    for n2, _, v2 in fields(v):
                        if n2 == 1:
                            mname = _s(v2)
                        elif n2 == 2:
                            m["input"] = _s(v2)
                        elif n2 == 3:
                            m["output"] = _s(v2)
                        elif n2 == 5:
                            m["cs"] = bool(v2)
                        elif n2 == 6:
                            m["ss"] = bool(v2)
                    methods[mname] = m
            out["services"][scope + "." + sname] = methods
    return out


# ------------------------------------------------------------ protoc


def descriptor_set(protoc, includes, files):
    with tempfile.NamedTemporaryFile(suffix=".pb") as t:
        cmd = [protoc] + ["-I" + i for i in includes] + ["--include_imports",
               "--descriptor_set_out=" + t.name] + files
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            sys.stderr.write("check-upstream: %s failed:\n%s\n" %
                             (" ".join(cmd), r.stderr))
            sys.exit(1)
        with open(t.name, "rb") as fh:
            return parse_set(fh.read())


def proto_files(root):
    res = []
    for d, _, names in os.walk(root):
        for n in names:
            if n.endswith(".proto"):
                res.append(os.path.relpath(os.path.join(d, n), root))
    return sorted(res)


# ------------------------------------------------------------ comparisons

SERVICE = ".temporal.api.workflowservice.v1.WorkflowService"
WS_PKG = ".temporal.api.workflowservice.v1."


def fdesc(f):
    label = f["label"]
    if label == "optional" and not f["proto3_optional"]:
        label = "singular"
    s = "%s %s %s" % (label, f["type"], f["name"])
    if f["type_name"]:
        s += " (%s)" % f["type_name"]
    if f["oneof"]:
        s += " [oneof %s]" % f["oneof"]
    if f["proto3_optional"]:
        s += " [proto3 optional]"
    return s


def compare(ours, up, errors):
    nfields = 0
    for full, m in sorted(ours["messages"].items()):
        u = up["messages"].get(full)
        if u is None:
            errors.append("message %s: not in upstream" % full)
            continue
        if m["file"] != u["file"] or m["package"] != u["package"]:
            errors.append("message %s: ours in %s (package %s), upstream "
                          "in %s (package %s)" % (full, m["file"],
                                                  m["package"], u["file"],
                                                  u["package"]))
        if m["map_entry"] != u["map_entry"]:
            errors.append("message %s: map_entry ours %s upstream %s" %
                          (full, m["map_entry"], u["map_entry"]))
        for num, f in sorted(m["fields"].items()):
            nfields += 1
            uf = u["fields"].get(num)
            if uf is None:
                errors.append("%s field %d: ours `%s`, upstream has no "
                              "field %d" % (full, num, fdesc(f), num))
                continue
            if f != uf:
                errors.append("%s field %d:\n    ours:     %s\n    "
                              "upstream: %s" % (full, num, fdesc(f),
                                                fdesc(uf)))
    for full, e in sorted(ours["enums"].items()):
        u = up["enums"].get(full)
        if u is None:
            errors.append("enum %s: not in upstream" % full)
            continue
        if e["file"] != u["file"]:
            errors.append("enum %s: ours in %s, upstream in %s" %
                          (full, e["file"], u["file"]))
        for name in sorted(set(e["values"]) | set(u["values"])):
            a, b = e["values"].get(name), u["values"].get(name)
            if a != b:
                errors.append("enum %s value %s: ours %s, upstream %s" %
                              (full, name, a, b))
    return nfields


def check_methods(path, ours, up, errors):
    text = open(path, encoding="utf-8").read()
    pat = re.compile(r'#define\s+(TN_M_\w+)\s*\\?\s*TN_M_SERVICE\s+"(\w+)"'
                     r'\s*/\*\s*(\w+)\s*->\s*(\w+)\s*\*/')
    svc = up["services"].get(SERVICE, {})
    found = pat.findall(text)
    if not found:
        errors.append("%s: no method macros found" % path)
    m = re.search(r'#define\s+TN_M_SERVICE\s+"([^"]+)"', text)
    if not m or m.group(1) != "/" + SERVICE[1:] + "/":
        errors.append("%s: TN_M_SERVICE is not \"/%s/\"" %
                      (path, SERVICE[1:]))
    for macro, name, req, resp in found:
        um = svc.get(name)
        if um is None:
            errors.append("%s %s: upstream WorkflowService has no rpc %s" %
                          (macro, name, name))
            continue
        if um["input"] != WS_PKG + req or um["output"] != WS_PKG + resp:
            errors.append("%s: ours %s -> %s, upstream %s -> %s" %
                          (macro, req, resp, um["input"], um["output"]))
        if um["cs"] or um["ss"]:
            errors.append("%s: upstream rpc %s is streaming" % (macro, name))
        if WS_PKG + req not in ours["messages"]:
            errors.append("%s: request %s is not in the subset" %
                          (macro, req))
    return found


def check_facts(path, ours, up, paths, errors):
    text = open(path, encoding="utf-8").read()
    listed = set(re.findall(r"^/temporal\.api\.workflowservice\.v1\."
                            r"WorkflowService/(\w+)$", text, re.M))
    svc = set(up["services"].get(SERVICE, {}))
    for n in sorted(listed - svc):
        errors.append("facts: method %s is not upstream" % n)
    for n in sorted(svc - listed):
        errors.append("facts: upstream method %s is missing" % n)
    for _, name, _, _ in paths:
        if name not in listed:
            errors.append("facts: intercepted method %s not listed" % name)
    # Field lines "N name type" under "### <full message name>".
    nchecked = 0
    for sec in re.split(r"^### ", text, flags=re.M)[1:]:
        head = sec.split("\n", 1)[0].split()[0]
        full = "." + head
        m = ours["messages"].get(full)
        if m is None:
            continue
        lines = {}
        for ln in re.findall(r"^(\d+) (\w+) (\S+)", sec, re.M):
            lines[int(ln[0])] = ln[1]
        for num, f in m["fields"].items():
            nchecked += 1
            if lines.get(num) != f["name"]:
                errors.append("facts: %s field %d is %s here, %s in the "
                              "facts" % (head, num, f["name"],
                                         lines.get(num)))
    return len(listed), nchecked


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ours", required=True)
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--extra-include", action="append", default=[],
                    help="searched after --upstream (missing well-known "
                    "types)")
    ap.add_argument("--methods")
    ap.add_argument("--facts")
    ap.add_argument("--protoc", default=os.environ.get("PROTOC_C",
                                                       "protoc-c"))
    a = ap.parse_args()

    mine = proto_files(a.ours)
    ours = descriptor_set(a.protoc, [a.ours], mine)
    missing = [f for f in mine
               if not os.path.exists(os.path.join(a.upstream, f))]
    errors = ["file %s: no such file upstream" % f for f in missing]
    upfiles = [f for f in mine if f not in missing]
    upfiles.append("temporal/api/workflowservice/v1/service.proto")
    up = descriptor_set(a.protoc, [a.upstream] + a.extra_include, upfiles)

    nfields = compare(ours, up, errors)
    paths = []
    if a.methods:
        paths = check_methods(a.methods, ours, up, errors)
    facts = ""
    if a.facts:
        if os.path.exists(a.facts):
            nm, nf = check_facts(a.facts, ours, up, paths, errors)
            facts = ", facts: %d methods, %d field lines" % (nm, nf)
        else:
            facts = ", facts file absent (skipped)"
    if errors:
        sys.stderr.write("check-upstream: %d mismatch(es) between %s and "
                         "%s:\n" % (len(errors), a.ours, a.upstream))
        for e in errors:
            sys.stderr.write("  " + e + "\n")
        return 1
    print("check-upstream: %d messages, %d fields, %d enums, %d methods "
          "match upstream%s" % (len(ours["messages"]), nfields,
                                len(ours["enums"]), len(paths), facts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
