# (issue 6) fuzz_session: stateful CSP sessions against in-process vpiv (fuzz/fuzz_session.c).
