import LifelineAuthenticatorKit

// Placeholder of the contract commit; H1 replaces it with the reference app (ArgumentParser commands).
print("lifeline-authenticator: not built yet")
