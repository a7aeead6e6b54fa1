"""The one exception type a user can cause.

Pages show it with ``st.error``; the CLI prints its message on one line and exits 2.
"""


class InputError(ValueError):
    """Bad input a user can fix: the message says what is wrong and where (file, column, row)."""
