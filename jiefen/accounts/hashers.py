"""The password hash: Argon2id at a cost that keeps a sign-in quick on a small server.

Django's default Argon2 parameters (100 MiB, 2 passes, 8 lanes) took 330–370 ms per sign-in
on two busy cores, and 100 MiB each when several staff sign in at once. These are OWASP's
first recommended Argon2id configuration (Password Storage Cheat Sheet: m = 46 MiB, t = 1,
p = 1; equal in strength to its 19 MiB, t = 2 one): about 90 ms on the same machine. Hashes
made with other parameters still verify, and are rewritten with these at their next sign-in.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher as DjangoArgon2


class Argon2PasswordHasher(DjangoArgon2):
    time_cost = 1
    memory_cost = 47104  # KiB = 46 MiB
    parallelism = 1
