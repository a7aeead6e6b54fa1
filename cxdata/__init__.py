"""CX Compass analytics: import, store and analyse customer-experience data.

This package never imports Streamlit; the app in ``app.py`` and ``pages/`` is a thin layer over it,
and so is the command line (``python -m cxdata``).
"""

__version__ = "0.1.0"
