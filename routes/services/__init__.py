"""Services of the routes app: fleet (depots, vehicles), timing, planning."""
