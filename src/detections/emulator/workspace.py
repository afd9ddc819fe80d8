"""The one workspace an emulator serves: its ARM coordinates, ids and the workspace resource body."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DEFAULT_SUBSCRIPTION_ID = "00000000-0000-0000-0000-0000000000aa"
DEFAULT_WORKSPACE_ID = "11111111-2222-3333-4444-555555555555"


@dataclass(frozen=True)
class Workspace:
    subscription_id: str = DEFAULT_SUBSCRIPTION_ID
    resource_group: str = "detections-rg"
    workspace_name: str = "detections-ws"
    workspace_id: str = DEFAULT_WORKSPACE_ID  # the Log Analytics customerId used by the query API
    location: str = "westeurope"

    @property
    def resource_group_id(self) -> str:
        return f"/subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group}"

    @property
    def resource_id(self) -> str:
        return f"{self.resource_group_id}/providers/Microsoft.OperationalInsights/workspaces/{self.workspace_name}"

    def resource(self) -> dict[str, Any]:
        """What GET on the workspace returns (a deployer reads customerId and location from it)."""
        return {
            "id": self.resource_id,
            "name": self.workspace_name,
            "type": "Microsoft.OperationalInsights/workspaces",
            "location": self.location,
            "properties": {
                "customerId": self.workspace_id,
                "provisioningState": "Succeeded",
                "sku": {"name": "PerGB2018"},
                "retentionInDays": 90,
                "publicNetworkAccessForIngestion": "Enabled",
                "publicNetworkAccessForQuery": "Enabled",
            },
        }
