"""Enterprise directory: enterprises, their profile and obligations, imports and onboarding."""
