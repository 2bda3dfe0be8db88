"""The judgment: rules → findings → score → verdict → label.

Import what you need from its module (``dmguard.audit.engine.Auditor``,
``dmguard.audit.model.AuditInput``): this package runs nothing on import, so a
module that needs only ``audit.text`` does not pull in the engine.
"""
