"""2ème étape: activating a space with its address and code."""
