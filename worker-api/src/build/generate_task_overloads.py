#!/usr/bin/env python3
"""Rewrites the JRay.task(...) overloads in JRay.java between the marker comments.

For a function of arity k each argument may be a value or an ObjectRef of that value's type, so
there are 2^k overloads per arity, for Func<k> (TaskCaller<R>) and VoidFunc<k> (TaskCaller<Void>).
Java has no way to express "A or ObjectRef<A>" in one signature, hence the generation.

Usage: python3 worker-api/src/build/generate_task_overloads.py   (from anywhere)
"""
import itertools
import pathlib
import re

MAX_ARITY = 6
BEGIN = "    // BEGIN GENERATED TASK OVERLOADS\n"
END = "    // END GENERATED TASK OVERLOADS\n"
TARGET = (pathlib.Path(__file__).resolve().parent.parent
          / "main" / "java" / "io" / "jray" / "api" / "JRay.java")


def overload(arity, void, by_ref):
    tparams = [f"A{i}" for i in range(arity)] + ([] if void else ["R"])
    generics = f"<{', '.join(tparams)}> " if tparams else ""
    func_type = (f"VoidFunc{arity}" if void else f"Func{arity}")
    if tparams:
        func_type += f"<{', '.join(tparams)}>"
    params = [f"{func_type} f"] + [
        (f"ObjectRef<A{i}> a{i}" if ref else f"A{i} a{i}") for i, ref in enumerate(by_ref)]
    result = "Void" if void else "R"
    args = ", ".join(f"a{i}" for i in range(arity))
    return (f"    public static {generics}TaskCaller<{result}> task({', '.join(params)}) {{\n"
            f"        return new TaskCaller<>(f, new Object[]{{{args}}});\n"
            f"    }}\n")


def generate():
    out = []
    for void in (False, True):
        for arity in range(MAX_ARITY + 1):
            kind = "no result" if void else "a result"
            out.append(f"\n    /** Prepares a call of a {arity}-argument function with {kind}; "
                       f"each argument is a value or an ObjectRef to one. */\n")
            first = True
            for by_ref in itertools.product((False, True), repeat=arity):
                if not first:
                    out.append("\n")
                first = False
                out.append(overload(arity, void, by_ref))
    return "".join(out)


def main():
    text = TARGET.read_text()
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
    if not pattern.search(text):
        raise SystemExit(f"markers not found in {TARGET}")
    new = pattern.sub(lambda _: BEGIN + generate().lstrip("\n") + END, text)
    TARGET.write_text(new)
    print(f"rewrote {TARGET}")


if __name__ == "__main__":
    main()
