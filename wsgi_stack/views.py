"""Class-based views: :class:`View` and :class:`MethodView`.

A view function is what :meth:`App.add_url_rule` registers. A class can be one too:
:meth:`View.as_view` turns the class into a view function that, per request, makes an
instance and calls its :meth:`~View.dispatch_request` with the URL's values::

    class UserAPI(MethodView):
        def get(self, user_id):
            return {"id": user_id}

        def delete(self, user_id):
            return "", 204

    app.add_url_rule("/users/<int:user_id>", view_func=UserAPI.as_view("user"))

The class attributes say how it is registered (``methods``,
``provide_automatic_options``) and wrapped (``decorators``); :class:`MethodView` finds
its methods from the ``get``/``post``/... functions it defines, its bases' included.
"""

from __future__ import annotations

import typing as t

from .globals import _cv_app, _cv_request

#: The HTTP methods a :class:`MethodView` may implement, as lower-case function names.
http_method_funcs = frozenset(["get", "post", "head", "options", "delete", "put", "trace", "patch"])


def _app_ensure_sync(func: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
    # The current app makes an ``async def`` method callable from sync code.
    return _cv_app.get().app.ensure_sync(func)


class View:
    """Subclass it and override :meth:`dispatch_request`; register ``as_view(name)``.

    * ``methods``: the methods the rule accepts (``None``: ``add_url_rule``'s default,
      GET, HEAD and OPTIONS);
    * ``provide_automatic_options``: whether OPTIONS is answered for the view (``None``:
      the app's default);
    * ``decorators``: applied in order to the generated function (the first is the
      innermost, as if listed bottom-up with ``@`` syntax); decorating the class itself
      would not affect the function the app calls;
    * ``init_every_request``: ``True`` makes an instance per request, so ``self`` may
      hold per-request data; ``False`` makes one instance at ``as_view`` time and
      reuses it (faster; keep per-request data in ``g``).
    """

    methods: t.ClassVar[t.Collection[str] | None] = None
    provide_automatic_options: t.ClassVar[bool | None] = None
    decorators: t.ClassVar[list[t.Callable[..., t.Any]]] = []
    init_every_request: t.ClassVar[bool] = True

    def dispatch_request(self) -> t.Any:
        """Handle the request; the URL's values arrive as keyword arguments."""
        raise NotImplementedError()

    @classmethod
    def as_view(cls, name: str, *class_args: t.Any, **class_kwargs: t.Any) -> t.Callable[..., t.Any]:
        """A view function for this class, named ``name`` (the default endpoint).

        ``class_args``/``class_kwargs`` go to the class's ``__init__``. The function's
        ``view_class`` attribute is the class it instantiates, read on every request,
        so a test can swap it for another class.
        """
        if cls.init_every_request:

            def view(**kwargs: t.Any) -> t.Any:
                instance = view.view_class(*class_args, **class_kwargs)  # type: ignore[attr-defined]
                return _app_ensure_sync(instance.dispatch_request)(**kwargs)

        else:
            instance = cls(*class_args, **class_kwargs)

            def view(**kwargs: t.Any) -> t.Any:
                return _app_ensure_sync(instance.dispatch_request)(**kwargs)

        if cls.decorators:
            # Decorators that copy the name (functools.wraps) should see the real one.
            view.__name__ = name
            view.__module__ = cls.__module__
            for decorator in cls.decorators:
                view = decorator(view)

        # Set on the outermost function: that is what add_url_rule reads.
        view.view_class = cls  # type: ignore[attr-defined]
        view.__name__ = name
        view.__doc__ = cls.__doc__
        view.__module__ = cls.__module__
        view.methods = cls.methods  # type: ignore[attr-defined]
        view.provide_automatic_options = cls.provide_automatic_options  # type: ignore[attr-defined]
        return view


class MethodView(View):
    """A view whose ``get``, ``post``, ... methods handle the request method of that name.

    ``methods`` is filled in for each subclass from the method functions it has
    (inherited ones too) and its bases' ``methods``, unless the subclass sets it. A HEAD
    request with no ``head`` method is handled by ``get``.
    """

    def __init_subclass__(cls, **kwargs: t.Any) -> None:
        super().__init_subclass__(**kwargs)
        if "methods" in cls.__dict__:
            return
        methods: set[str] = set()
        for base in cls.__bases__:
            base_methods = getattr(base, "methods", None)
            if base_methods:
                methods.update(base_methods)
        methods.update(name.upper() for name in http_method_funcs if hasattr(cls, name))
        if methods:
            cls.methods = methods

    def dispatch_request(self, **kwargs: t.Any) -> t.Any:
        """Call the method named after the request method, with the URL's values."""
        method = _cv_request.get().request.method
        handler = getattr(self, method.lower(), None)
        if handler is None and method == "HEAD":
            handler = getattr(self, "get", None)
        assert handler is not None, f"Unimplemented method {method!r}"
        return _app_ensure_sync(handler)(**kwargs)


__all__ = ["MethodView", "View", "http_method_funcs"]
