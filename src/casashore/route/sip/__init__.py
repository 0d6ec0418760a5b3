"""The SIP front: calls from a trunk into the router over UDP (RFC 3261 subset). ``message`` reads and writes
SIP, ``sdp`` answers the media offer, ``transport`` owns UDP reliability, ``transactions`` and ``call`` are what
it remembers, ``front`` turns INVITEs, BYEs and CANCELs into the router's operations."""
