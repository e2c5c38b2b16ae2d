"""The HCL language: parsing (``parser``, the only importer of ``hcl2``), the syntax tree
(``ast``), values (``values``), evaluation (``evaluator``) and Terraform's built-in functions
(``functions``)."""
