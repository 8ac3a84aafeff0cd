"""Staff pages of the orders app, one module per area (orders.urls routes to them):

orders.py       the order list, an order (cancel, ship), the ship-from-store pick list
till.py         sell at the counter (till_loyalty.py: the member's card and points there)
receipts.py     a till sale's receipt and gift receipt, printed at 80 mm
pickup.py       click and collect: the queue, an order's pick list, the sheet to print
pickup_desk.py  the pickup desk: find, hand over, unlock
returns.py      the returns desk, a return's receipt
common.py       what they share: the current location, a priced basket, the shortage message"""
