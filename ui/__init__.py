"""Streamlit helpers shared by the pages: the database, cached loaders, safe text."""
