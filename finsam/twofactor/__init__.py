"""Two-factor login with django-otp: a TOTP app (TOTPDevice) and ten single-use
backup codes (StaticDevice), required for förbundschefer and site staff.

After the password, TwoFactorMiddleware lets a user with a device reach only the
code page, and a user who must have one only the setup page, until the code is
confirmed. Site staff reset a lost device in the admin (audited).
"""
