"""Built-in attacks, one module per family; importing a module registers its attacks."""
