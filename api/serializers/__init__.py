"""Input and output serializers, kept apart: inputs validate what a service takes, outputs show records."""
