"""« Mot de passe oublié » and « Numéro d'abonné oublié »."""
