"""What every vendor sandbox shares: fault knobs, vendor limits and the control routes."""
