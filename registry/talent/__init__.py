"""The talent pool (人才库): people, skill certificates, and experts for evaluation committees."""
