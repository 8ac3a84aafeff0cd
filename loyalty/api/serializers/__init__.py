"""The loyalty API's serializers, one module per area (members, consent and preferences)."""
