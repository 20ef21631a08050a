"""How long a test's vendor client waits for an honest answer from a sandbox.

The machines the suite runs on are shared: a sandbox in the same process may take seconds to
answer when other work takes the cores. A client's timeout in a test is therefore long, and
only the tests of the timeout itself use a short one, against a sandbox told to hang longer.
"""

HONEST_ANSWER_SECONDS = 30.0
