"""What an administrator changes from the dashboard, by topic: staff accounts
(`accounts`, `users`), clinics and their API keys (`clinics`, `api_keys`), formula and
price list versions (`formulary`), ingredient lots (`lots`).

Each change is one unit of work with its audit event; a refusal leaves nothing written.
"""
