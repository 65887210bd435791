"""MultiDict: one key, many values. request.args and request.form are (immutable) MultiDicts.

Run ``python examples/multidicts.py`` and try ``/?a=1&a=2&b=3``, then each operation page:

  /add  /setlist  /setdefault  /setlistdefault  /copy  /pop  /poplist  /update  (all take the same ?query)

Each page starts from ``request.args.copy()`` (a mutable MultiDict) and shows it before and after.
"""

import _checkout  # noqa: F401 - this checkout's wsgi_stack, without installing it
import copy

from wsgi_stack import Flask, request

app = Flask(__name__)


def show(md):
    return repr(md.to_dict(flat=False))


def start():
    md = request.args.copy()  # request.args itself is immutable: md.add(...) on it raises
    return md, [f"start:  {show(md)}"]


@app.route("/")
def index():
    args = request.args
    return (
        f"args:           {show(args)}\n"
        f"args['a']:      {args['a'] if 'a' in args else None!r}  (the first value)\n"
        f"getlist('a'):   {args.getlist('a')!r}\n"
        f"items():        {list(args.items())!r}\n"
        f"items(multi):   {list(args.items(multi=True))!r}\n"
        f"immutable:      {type(args).__name__}\n"
    )


@app.route("/add")
def add():
    md, lines = start()
    md.add("a", "added")       # appends: a key can hold any number of values
    md["b"] = "replaced"       # item assignment replaces every value of the key
    lines.append(f"after add('a', 'added') and ['b'] = 'replaced':  {show(md)}")
    return "\n".join(lines) + "\n"


@app.route("/setlist")
def setlist():
    md, lines = start()
    md.setlist("a", ["x", "y", "z"])
    lines.append(f"after setlist('a', ['x', 'y', 'z']):  {show(md)}")
    return "\n".join(lines) + "\n"


@app.route("/setdefault")
def setdefault():
    md, lines = start()
    got_a = md.setdefault("a", "default")   # present: returns the first value, changes nothing
    got_c = md.setdefault("c", "default")   # absent: sets it
    lines.append(f"setdefault('a') -> {got_a!r}, setdefault('c') -> {got_c!r}:  {show(md)}")
    return "\n".join(lines) + "\n"


@app.route("/setlistdefault")
def setlistdefault():
    md, lines = start()
    got = md.setlistdefault("d", ["1", "2"])  # the list stored for the key: changing it changes md
    got.append("3")
    lines.append(f"setlistdefault('d', ['1', '2']) then .append('3'):  {show(md)}")
    return "\n".join(lines) + "\n"


@app.route("/copy")
def copies():
    md, lines = start()
    md.add("box", ["original"])           # a mutable value, to see what each copy shares
    shallow, deep = md.copy(), copy.deepcopy(md)
    md.getlist("box")[0].append("changed later")
    md.add("a", "only in the original")
    lines.append(f"original:  {show(md)}")
    lines.append(f"copy():    {show(shallow)}  (new lists, same value objects)")
    lines.append(f"deepcopy:  {show(deep)}  (values copied too)")
    return "\n".join(lines) + "\n"


@app.route("/pop")
def pop():
    md, lines = start()
    first = md.pop("a", None)             # removes the key; returns its first value
    missing = md.pop("zzz", "fallback")
    lines.append(f"pop('a') -> {first!r}, pop('zzz', 'fallback') -> {missing!r}:  {show(md)}")
    return "\n".join(lines) + "\n"


@app.route("/poplist")
def poplist():
    md, lines = start()
    values = md.poplist("a")              # removes the key; returns all its values
    lines.append(f"poplist('a') -> {values!r}:  {show(md)}")
    return "\n".join(lines) + "\n"


@app.route("/update")
def update():
    md, lines = start()
    md.update({"a": "from update", "e": "new"})  # update() adds values; it does not replace them
    lines.append(f"after update(a='from update', e='new'):  {show(md)}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    app.run(debug=True)
