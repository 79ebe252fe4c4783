"""Latent Explorer: a VAE you can see and touch. Importing this package is light."""
