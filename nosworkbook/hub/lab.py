"""The JupyterLab profile's kernel manager: each kernel is told who the hub signed in.

`jupyterhub-singleuser` runs JupyterLab for a learner in the `lab` profile with this kernel
manager (`spawner.LAB_KERNEL_MANAGER`), so the workbooks there sign the hub's user in as the
Voila profile's do (`runtime.HUB_SIGNED_IN`), without a second sign-in. The variable is set
in kernels only, never in the server's own environment, so a terminal does not pass it on.
"""

from __future__ import annotations

import os
from typing import Any

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

from nosworkbook import runtime


class HubLabKernelManager(AsyncMappingKernelManager):
    """Jupyter Server's kernel manager, with `runtime.HUB_SIGNED_IN` in each kernel."""

    async def start_kernel(self, **kwargs: Any) -> str:
        kwargs["env"] = {
            **(kwargs.get("env") or os.environ),
            runtime.HUB_SIGNED_IN: runtime.hub_user(),
        }
        return await super().start_kernel(**kwargs)
