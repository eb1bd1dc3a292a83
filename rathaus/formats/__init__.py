"""Our own date and time formats (FORMAT_MODULE_PATH), where Django's locale ones do not fit.

Only English has one: Django's "en" is American (05/17/1980, "5:19 p.m."), which readers
elsewhere misread. German keeps Django's formats.
"""
