"""The inference server behind ``cairn serve`` (see ``docs/serving.md``).

``cairn.serving.app:create_app`` is the uvicorn factory; its configuration comes from the
``CAIRN_SERVE_CONFIG`` environment variable (:mod:`cairn.serving.config`). Nothing is imported
here so that importing the package stays cheap.
"""
