"""The campaign board and calendar (``reconciler report``, PRODUCT.md section 12).

``board`` and ``calendar`` build plain values from the plans and bodies the shell read;
``html`` renders them as one self-contained page.
"""
