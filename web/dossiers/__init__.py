"""The subscriber's dossiers (client companies by SIREN) and their online services."""
