"""Payment providers behind one interface (base.py); each module implements one protocol."""
