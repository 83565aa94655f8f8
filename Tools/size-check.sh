#!/bin/sh
# Size check: no Swift file over 400 lines and no function (func, init,
# deinit, subscript, computed property) over 60 lines, from its declaration
# to its closing brace, unless a comment within the three lines above the
# declaration says why, starting `size-check:` (e.g. `// size-check: one
# table of every case, read top to bottom`).
#
# Usage: Tools/size-check.sh [FOLDER...]   (default: Sources)
# Prints one line per finding, FILE:LINE: what, and exits 1 when there is any.
# Braces inside strings (also multi-line ones), characters and comments do
# not count.

exec python3 - "$@" <<'PYTHON'
import os, re, sys

MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 60
DECLARATION = re.compile(
    r'^\s*(?:@\w+(?:\([^)]*\))?\s+)*'
    r'(?:(?:public|private|fileprivate|internal|open|package|static|class|final|override|mutating|'
    r'nonmutating|nonisolated|convenience|required|indirect|lazy|dynamic)(?:\([^)]*\))?\s+)*'
    r'(?:func\s+[^\s(<]+|init[?!]?\s*[(<]|deinit\b|subscript\s*[(<]|var\s+\w+\s*:[^=]*\{\s*$)')
CONTINUATION = re.compile(r'^\s*(throws|rethrows|async|->|where|\{)')


def code_only(lines):
    """Each line with strings, characters and comments blanked out."""
    out, in_block_comment, in_multiline = [], False, False
    for line in lines:
        kept, i = [], 0
        while i < len(line):
            if in_block_comment:
                end = line.find('*/', i)
                if end < 0:
                    i = len(line)
                else:
                    in_block_comment, i = False, end + 2
            elif in_multiline:
                end = line.find('"""', i)
                if end < 0:
                    i = len(line)
                else:
                    in_multiline, i = False, end + 3
            elif line.startswith('//', i):
                break
            elif line.startswith('/*', i):
                in_block_comment, i = True, i + 2
            elif line.startswith('"""', i):
                in_multiline, i = True, i + 3
            elif line[i] == '"':
                i += 1
                while i < len(line) and line[i] != '"':
                    i += 2 if line[i] == '\\' else 1
                i += 1
            else:
                kept.append(line[i])
                i += 1
        out.append(''.join(kept))
    return out


def body_end(code, start):
    """The index of the line closing the body declared at `start`, or None (no body)."""
    depth, parens, opened = 0, 0, False
    for index in range(start, len(code)):
        for char in code[index]:
            if char in '([':
                parens += 1
            elif char in ')]':
                parens -= 1
            elif char == '{':
                if parens == 0 and not opened:
                    opened = True
                depth += 1
            elif char == '}':
                depth -= 1
                if opened and depth == 0:
                    return index
        if not opened and parens == 0:
            following = code[index + 1] if index + 1 < len(code) else ''
            if not code[index].rstrip().endswith((',', '->')) and not CONTINUATION.match(following):
                return None
    return None


def excused(lines, start):
    return any('size-check:' in lines[i] for i in range(max(0, start - 3), start))


def check(path):
    with open(path, encoding='utf-8') as handle:
        lines = handle.read().split('\n')
    if lines and lines[-1] == '':
        lines.pop()
    findings = []
    if len(lines) > MAX_FILE_LINES:
        findings.append(f'{path}:1: {len(lines)} lines (at most {MAX_FILE_LINES})')
    code = code_only(lines)
    for index, line in enumerate(code):
        if not DECLARATION.match(line):
            continue
        end = body_end(code, index)
        if end is None:
            continue
        length = end - index + 1
        if length > MAX_FUNCTION_LINES and not excused(lines, index):
            name = lines[index].strip().split('{')[0].strip()
            findings.append(f'{path}:{index + 1}: {length} lines (at most {MAX_FUNCTION_LINES}): {name[:80]}')
    return findings


folders = sys.argv[1:] or ['Sources']
findings = []
for folder in folders:
    for root, _, files in sorted(os.walk(folder)):
        for name in sorted(files):
            if name.endswith('.swift'):
                findings += check(os.path.join(root, name))
for finding in findings:
    print(finding)
sys.exit(1 if findings else 0)
PYTHON
